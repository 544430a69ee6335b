# amiroll's logs (JSON lines, AMIROLL_LOG_FORMAT=json).

resource "aws_cloudwatch_log_group" "amiroll" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
}
