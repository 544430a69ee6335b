# Inputs of the amiroll deployment example. Only the variables without a default must be set;
# see README.md for a terraform.tfvars to start from.

variable "aws_region" {
  description = "The region amiroll runs in (and, unless ami_region says otherwise, reads the ECS-optimized AMI parameter in)."
  type        = string
}

variable "name" {
  description = "The name of every resource created (service, task family, roles, log group, target group)."
  type        = string
  default     = "amiroll"
}

variable "image" {
  description = "The amiroll image to run, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/amiroll:0.1.0 (built from the repository's Dockerfile). Pin a tag or digest, not latest."
  type        = string
}

variable "cpu_architecture" {
  description = "The architecture the image was built for: X86_64 or ARM64."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "cluster_arn" {
  description = "The ECS cluster the amiroll service runs in (Fargate capacity)."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the load balancer and the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "The subnets the tasks run in (private subnets with a NAT gateway: amiroll calls api.github.com, SSM and SNS)."
  type        = list(string)
}

variable "assign_public_ip" {
  description = "Give the tasks public IPs (only for public subnets without a NAT gateway)."
  type        = bool
  default     = false
}

variable "alb_listener_arn" {
  description = "The HTTPS listener of an existing Application Load Balancer; a rule forwarding the webhook paths to amiroll is added to it."
  type        = string
}

variable "alb_security_group_id" {
  description = "The security group of that load balancer; only it may reach the tasks' port."
  type        = string
}

variable "listener_rule_priority" {
  description = "The priority of the listener rule (unique on the listener)."
  type        = number
  default     = 100
}

variable "public_hostname" {
  description = "The host name GitHub and SNS reach amiroll at (the listener's certificate must cover it), e.g. amiroll.example.com. The App's webhook URL is https://<public_hostname>/webhooks/github."
  type        = string
}

variable "container_port" {
  description = "The port amiroll listens on in the container (AMIROLL_LISTEN)."
  type        = number
  default     = 8080
}

variable "desired_count" {
  description = "How many tasks run. amiroll keeps no state, so more than one is safe behind the load balancer."
  type        = number
  default     = 1
}

variable "cpu" {
  description = "Fargate CPU units of a task."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Fargate memory of a task, in MiB."
  type        = number
  default     = 512
}

variable "github_app_id" {
  description = "The GitHub App's id (AMIROLL_APP_ID), printed by `amiroll setup`."
  type        = string
}

variable "github_api_url" {
  description = "The GitHub API base URL (AMIROLL_GITHUB_API_URL); GitHub Enterprise Server: https://HOST/api/v3."
  type        = string
  default     = "https://api.github.com"
}

variable "private_key_parameter" {
  description = "The name of the SecureString SSM parameter holding the App's private key (PEM), e.g. /amiroll/private-key. Created outside Terraform so the secret never enters its state."
  type        = string
}

variable "webhook_secret_parameter" {
  description = "The name of the SecureString SSM parameter holding the App's webhook secret, e.g. /amiroll/webhook-secret."
  type        = string
}

variable "api_token_parameter" {
  description = "The name of the SecureString SSM parameter holding the bearer token of POST /api/check, e.g. /amiroll/api-token; null disables the operator API."
  type        = string
  default     = null
}

variable "secrets_kms_key_arn" {
  description = "The customer managed KMS key encrypting those parameters; null when they use the AWS managed key aws/ssm."
  type        = string
  default     = null
}

variable "ssm_parameter" {
  description = "The public ECS-optimized AMI parameter amiroll follows (AMIROLL_SSM_PARAMETER)."
  type        = string
  default     = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended"

  validation {
    condition     = startswith(var.ssm_parameter, "/aws/service/ecs/optimized-ami/")
    error_message = "ssm_parameter must be under /aws/service/ecs/optimized-ami/: the task role may read nothing else."
  }
}

variable "ami_region" {
  description = "The region whose AMI parameter is read (AWS_REGION of the task); null means aws_region."
  type        = string
  default     = null
}

variable "poll_interval" {
  description = "How often amiroll reads the parameter (AMIROLL_POLL_INTERVAL); 0s disables polling (SNS or /api/check only)."
  type        = string
  default     = "15m"
}

variable "stage_cluster_arns" {
  description = "ECS clusters whose container instances amiroll may list and describe (to report which AMI a stage runs). Empty grants nothing."
  type        = list(string)
  default     = []
}

variable "sns_topic_arn" {
  description = "An SNS topic announcing new AMIs (your own, e.g. fed by an EventBridge rule); amiroll is subscribed to it over HTTPS and checks SSM when it fires. null: no subscription. The topic must be in aws_region."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps amiroll's logs."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
