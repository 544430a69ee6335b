# What to copy into the GitHub App and the operator's notes.

output "webhook_url" {
  description = "The App's webhook URL (hook_attributes.url in app.yml)."
  value       = "https://${var.public_hostname}/webhooks/github"
}

output "sns_endpoint" {
  description = "The HTTPS endpoint subscribed to the SNS topic, when one is set."
  value       = var.sns_topic_arn == null ? null : "https://${var.public_hostname}/webhooks/sns"
}

output "task_role_arn" {
  description = "The role amiroll's code runs with."
  value       = aws_iam_role.task.arn
}

output "log_group" {
  description = "The CloudWatch log group of amiroll's logs."
  value       = aws_cloudwatch_log_group.amiroll.name
}
