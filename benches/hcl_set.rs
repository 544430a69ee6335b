//! How long `amiroll::hcl::set` takes on a realistic cluster file and on a generated ~1 MB file
//! whose target sits near the end (target: under 20 ms for 1 MB).

use std::fmt::Write;
use std::hint::black_box;

use amiroll::ami::AmiId;
use amiroll::hcl::{Address, set};
use criterion::{Criterion, criterion_group, criterion_main};

/// A Terraform file of about `size` bytes: many modules, resources, locals and outputs, with
/// comments, heredocs and objects, and `module.target_cluster.instance_image_id` near the end.
fn generated_file(size: usize) -> String {
    let mut text = String::with_capacity(size + 4096);
    let mut n = 0;
    while text.len() < size {
        let _ = write!(
            text,
            r#"# Service {n}: generated for the benchmark.
module "service_{n}" {{
  source = "../modules/service"

  name           = "service-{n}"   // trailing comment
  cluster_id     = module.staging_cluster.cluster_id
  container_port = {port}
  environment = {{
    NODE_ENV = "production"
    "LOG_LEVEL" = "info" # quoted key
  }}
  /* block comment */ desired_count = {count}
}}

resource "aws_launch_template" "service_{n}" {{
  name_prefix   = "service-{n}-"
  image_id      = "ami-0bb273345f0961e90"
  instance_type = var.instance_types["service_{n}"]
  user_data = <<-EOT
    #!/bin/bash
    echo ECS_CLUSTER=service-{n} >> /etc/ecs/ecs.config
  EOT
  tags = merge(local.tags, {{ Name = "service-{n}", Index = {n} }})
}}

locals {{
  service_{n}_url = "https://service-{n}.example.com/${{var.path}}"
}}

"#,
            port = 3000 + n % 1000,
            count = 1 + n % 4,
        );
        n += 1;
    }
    text.push_str(
        r#"module "target_cluster" {
  source            = "../modules/cluster"
  instance_image_id = "ami-cad827b7"
}

output "done" {
  value = true
}
"#,
    );
    text
}

fn bench(c: &mut Criterion) {
    let address: Address = "module.staging_cluster.instance_image_id".parse().unwrap();
    let ami: AmiId = "ami-0123456789abcdef0".parse().unwrap();
    let clusters = include_str!("../fixtures/hcl/clusters.tf");
    assert!(set(clusters, &address, &ami).unwrap().changed);
    c.bench_function("set/clusters.tf", |b| {
        b.iter(|| set(black_box(clusters), black_box(&address), black_box(&ami)).unwrap())
    });

    let big = generated_file(1 << 20);
    let target: Address = "module.target_cluster.instance_image_id".parse().unwrap();
    assert!(set(&big, &target, &ami).unwrap().changed);
    let mut group = c.benchmark_group("set/generated");
    group.sample_size(20);
    group.bench_function(format!("{} KiB", big.len() / 1024), |b| {
        b.iter(|| set(black_box(&big), black_box(&target), black_box(&ami)).unwrap())
    });
    // For comparison: the parse alone, which is nearly all of `set`'s time.
    group.bench_function("hcl_edit::parser::parse_body", |b| {
        b.iter(|| hcl_edit::parser::parse_body(black_box(&big)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
