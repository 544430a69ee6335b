# Optional push trigger: subscribe amiroll to an SNS topic announcing new AMIs. amiroll confirms
# the subscription itself (only for topics in AMIROLL_SNS_TOPICS) and, on each notification,
# re-reads SSM for the truth.

resource "aws_sns_topic_subscription" "amiroll" {
  count = var.sns_topic_arn == null ? 0 : 1

  topic_arn = var.sns_topic_arn
  protocol  = "https"
  endpoint  = "https://${var.public_hostname}/webhooks/sns"

  # amiroll verifies the signature of SNS's JSON envelope, so messages must not be raw.
  raw_message_delivery = false

  # Terraform waits for amiroll to confirm, so the service must be reachable first.
  endpoint_auto_confirms          = true
  confirmation_timeout_in_minutes = 5

  depends_on = [aws_ecs_service.amiroll]
}
