# Two roles: the execution role ECS uses to start the task (pull the image, write logs, read the
# secret parameters), and the task role amiroll itself runs with, which may only read the public
# ECS-optimized AMI parameters (and, when asked, list the stage clusters' instances).

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  # Secret environment variables and the SSM parameters they come from.
  secret_parameters = merge(
    {
      AMIROLL_PRIVATE_KEY    = var.private_key_parameter
      AMIROLL_WEBHOOK_SECRET = var.webhook_secret_parameter
    },
    var.api_token_parameter == null ? {} : { AMIROLL_API_TOKEN = var.api_token_parameter },
  )

  # Built from the names rather than read with a data source, which would copy the secret
  # values into the Terraform state.
  secret_parameter_arns = {
    for env_name, parameter in local.secret_parameters :
    env_name => "arn:${local.partition}:ssm:${var.aws_region}:${local.account_id}:parameter/${trimprefix(parameter, "/")}"
  }
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# --- Execution role: used by ECS, never by amiroll's code. ---

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# Pulling from ECR and writing to CloudWatch Logs.
resource "aws_iam_role_policy_attachment" "execution_managed" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    sid       = "ReadAmirollSecrets"
    actions   = ["ssm:GetParameters"]
    resources = values(local.secret_parameter_arns)
  }

  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]

    content {
      sid       = "DecryptAmirollSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "read-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

# --- Task role: what amiroll's code may do with AWS. ---

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "task" {
  # The public parameters live in every region under an account-less ARN.
  statement {
    sid       = "ReadEcsOptimizedAmiParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:${local.partition}:ssm:*::parameter/aws/service/ecs/optimized-ami/*"]
  }

  dynamic "statement" {
    for_each = length(var.stage_cluster_arns) == 0 ? [] : [var.stage_cluster_arns]

    content {
      sid       = "ListStageContainerInstances"
      actions   = ["ecs:ListContainerInstances"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(var.stage_cluster_arns) == 0 ? [] : [var.stage_cluster_arns]

    content {
      sid     = "DescribeStageContainerInstances"
      actions = ["ecs:DescribeContainerInstances"]
      # arn:...:container-instance/<cluster name>/<id> for each cluster.
      resources = [for cluster in statement.value : "${replace(cluster, ":cluster/", ":container-instance/")}/*"]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "read-ami-parameters"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}
