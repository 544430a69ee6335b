# The amiroll service: one Fargate task definition from the image, run by an ECS service behind
# the load balancer's target group.

locals {
  environment = merge(
    {
      AMIROLL_APP_ID         = var.github_app_id
      AMIROLL_GITHUB_API_URL = var.github_api_url
      AMIROLL_LISTEN         = "0.0.0.0:${var.container_port}"
      AMIROLL_SSM_PARAMETER  = var.ssm_parameter
      AMIROLL_POLL_INTERVAL  = var.poll_interval
      AMIROLL_LOG_FORMAT     = "json"
      AWS_REGION             = coalesce(var.ami_region, var.aws_region)
    },
    var.sns_topic_arn == null ? {} : { AMIROLL_SNS_TOPICS = var.sns_topic_arn },
  )
}

resource "aws_ecs_task_definition" "amiroll" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    {
      name      = var.name
      image     = var.image
      essential = true

      portMappings = [
        { containerPort = var.container_port, protocol = "tcp" },
      ]

      environment = [
        for name, value in local.environment : { name = name, value = value }
      ]

      # Injected by ECS at start from SSM Parameter Store; never in the task definition.
      secrets = [
        for name, arn in local.secret_parameter_arns : { name = name, valueFrom = arn }
      ]

      # amiroll writes nothing to disk and the image runs as the non-root `nonroot` user.
      readonlyRootFilesystem = true

      # The image's own check (distroless has no shell or curl): GET /healthz on loopback.
      healthCheck = {
        command     = ["CMD", "/usr/local/bin/amiroll", "healthcheck"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }

      # SIGTERM, then up to AMIROLL_SHUTDOWN_DEADLINE (25 s) for queued work, before SIGKILL.
      stopTimeout = 30

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.amiroll.name
          awslogs-region        = var.aws_region
          awslogs-stream-prefix = var.name
        }
      }
    },
  ])
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "amiroll tasks: the port from the load balancer only; out to GitHub, SSM and SNS."
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "amiroll from the load balancer"
  referenced_security_group_id = var.alb_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
}

resource "aws_vpc_security_group_egress_rule" "https_out" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to GitHub, SSM, SNS and ECR"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_ecs_service" "amiroll" {
  name                              = var.name
  cluster                           = var.cluster_arn
  task_definition                   = aws_ecs_task_definition.amiroll.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 30
  propagate_tags                    = "SERVICE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = var.assign_public_ip
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.amiroll.arn
    container_name   = var.name
    container_port   = var.container_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # The target group must be attached to the listener before the service registers targets.
  depends_on = [aws_lb_listener_rule.webhooks]
}
