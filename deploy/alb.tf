# The load balancer side: a target group checking /healthz, and a rule on an existing HTTPS
# listener forwarding only the webhook paths. /api/check and /metrics are not exposed publicly;
# reach them from inside the VPC.

resource "aws_lb_target_group" "amiroll" {
  name                 = var.name
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = var.container_port
  deregistration_delay = 30

  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener_rule" "webhooks" {
  listener_arn = var.alb_listener_arn
  priority     = var.listener_rule_priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.amiroll.arn
  }

  condition {
    host_header {
      values = [var.public_hostname]
    }
  }

  condition {
    path_pattern {
      values = ["/webhooks/github", "/webhooks/sns"]
    }
  }
}
