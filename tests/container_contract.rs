//! What the container image promises, checked without a Docker engine: the Dockerfile builds
//! the way a developer does (`cargo build --release --locked`), runs as a non-root user, exposes
//! the port the binary listens on, checks its health with the binary itself; the binary works as
//! an unprivileged user in a directory it cannot write to; and the GitHub App manifest (`app.yml`)
//! subscribes to exactly the events the code handles.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NEW_AMI: &str = "ami-0123456789abcdef0";

fn repo_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// One Dockerfile instruction: its keyword (upper case) and its arguments, continuation lines
/// joined.
#[derive(Debug)]
struct Instruction {
    keyword: String,
    args: String,
}

/// The Dockerfile as stages of instructions; instructions before the first FROM (global ARGs)
/// form stage 0's prefix and are kept in `globals`.
struct Dockerfile {
    globals: Vec<Instruction>,
    stages: Vec<Vec<Instruction>>,
}

impl Dockerfile {
    fn parse(text: &str) -> Self {
        let mut instructions = Vec::new();
        let mut pending = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
                continue;
            }
            match trimmed.strip_suffix('\\') {
                Some(part) => {
                    pending.push_str(part);
                    pending.push(' ');
                }
                None => {
                    pending.push_str(trimmed);
                    let (keyword, args) = pending.split_once(' ').unwrap_or((&pending, ""));
                    instructions.push(Instruction {
                        keyword: keyword.to_ascii_uppercase(),
                        args: args.trim().to_owned(),
                    });
                    pending.clear();
                }
            }
        }
        let mut globals = Vec::new();
        let mut stages: Vec<Vec<Instruction>> = Vec::new();
        for instruction in instructions {
            if instruction.keyword == "FROM" {
                stages.push(Vec::new());
            }
            match stages.last_mut() {
                Some(stage) => stage.push(instruction),
                None => globals.push(instruction),
            }
        }
        Self { globals, stages }
    }

    fn runtime(&self) -> &[Instruction] {
        self.stages.last().expect("the Dockerfile has a FROM")
    }

    fn all(&self) -> impl Iterator<Item = &Instruction> {
        self.globals.iter().chain(self.stages.iter().flatten())
    }

    /// The image a stage starts from, with global `ARG NAME=default`s substituted.
    fn base_image(&self, stage: &[Instruction]) -> String {
        let from = &stage[0].args;
        let image = from.split_whitespace().next().unwrap_or_default();
        let mut image = image.to_owned();
        for arg in self.globals.iter().filter(|i| i.keyword == "ARG") {
            if let Some((name, default)) = arg.args.split_once('=') {
                image = image.replace(&format!("${{{name}}}"), default);
            }
        }
        image
    }

    /// The last value given to `ENV name=...` in a stage.
    fn env(stage: &[Instruction], name: &str) -> Option<String> {
        stage
            .iter()
            .filter(|i| i.keyword == "ENV")
            .filter_map(|i| i.args.strip_prefix(&format!("{name}=")))
            .map(|value| value.trim_matches('"').to_owned())
            .next_back()
    }
}

fn dockerfile() -> Dockerfile {
    Dockerfile::parse(&repo_file("Dockerfile"))
}

/// A JSON exec-form argument list (`["a", "b"]`).
fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|err| panic!("not exec form ({err}): {args}"))
}

#[test]
fn the_image_builds_the_binary_as_a_developer_does_with_locked_dependencies() {
    let dockerfile = dockerfile();
    let builds: Vec<&Instruction> = dockerfile
        .all()
        .filter(|i| i.keyword == "RUN" && i.args.contains("cargo build"))
        .collect();
    assert!(!builds.is_empty(), "no cargo build in the Dockerfile");
    for build in builds {
        assert!(
            build
                .args
                .contains("cargo build --release --locked --bin amiroll"),
            "{}",
            build.args
        );
    }
    let copied = dockerfile
        .runtime()
        .iter()
        .find(|i| i.keyword == "COPY" && i.args.starts_with("--from="))
        .expect("the runtime stage copies the binary from the builder");
    assert!(
        copied
            .args
            .contains("/target/release/amiroll /usr/local/bin/amiroll"),
        "{}",
        copied.args
    );
}

#[test]
fn the_builder_matches_the_crates_rust_version_and_the_runtimes_debian() {
    let dockerfile = dockerfile();
    let builder = dockerfile.base_image(&dockerfile.stages[0]);
    let runtime = dockerfile.base_image(dockerfile.runtime());

    let builder_version = builder
        .strip_prefix("rust:")
        .and_then(|tag| tag.split('-').next())
        .unwrap_or_else(|| panic!("the builder is not an official rust image: {builder}"));
    let manifest = repo_file("Cargo.toml");
    let rust_version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .map(|value| value.trim_matches('"'))
        .expect("Cargo.toml sets rust-version");
    let numbers =
        |version: &str| -> Vec<u32> { version.split('.').map(|n| n.parse().unwrap()).collect() };
    assert!(
        numbers(builder_version) >= numbers(rust_version),
        "{builder} is older than rust-version {rust_version}"
    );

    // The binary links the builder's glibc: build on the runtime's Debian release.
    assert!(
        builder.ends_with("-bookworm") && runtime.contains("debian12"),
        "builder {builder} and runtime {runtime} are different Debian releases"
    );
}

#[test]
fn the_dependency_layer_stubs_every_target_the_manifest_declares() {
    let dockerfile_text = repo_file("Dockerfile");
    let manifest = repo_file("Cargo.toml");
    let mut benches = Vec::new();
    let mut in_bench = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bench = line == "[[bench]]";
        } else if in_bench && let Some(name) = line.strip_prefix("name = ") {
            benches.push(name.trim_matches('"').to_owned());
        }
    }
    for stub in ["src/main.rs", "src/lib.rs"]
        .into_iter()
        .map(str::to_owned)
        .chain(benches.iter().map(|name| format!("benches/{name}.rs")))
    {
        assert!(
            dockerfile_text.contains(&stub),
            "the Dockerfile's dependency layer does not stub {stub}"
        );
    }
}

#[test]
fn the_build_context_holds_what_the_dockerfile_copies_and_not_target_or_git() {
    let patterns: Vec<String> = repo_file(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        patterns.first().map(String::as_str),
        Some("*"),
        "the context is an allow-list (so target/ and .git/ stay out)"
    );
    let dockerfile = dockerfile();
    for copy in dockerfile
        .all()
        .filter(|i| i.keyword == "COPY" && !i.args.starts_with("--from="))
    {
        let words: Vec<&str> = copy.args.split_whitespace().collect();
        for source in &words[..words.len() - 1] {
            let allowed = patterns.iter().any(|pattern| {
                pattern.strip_prefix('!').map(|p| p.trim_end_matches('/'))
                    == Some(source.trim_end_matches('/'))
            });
            assert!(allowed, ".dockerignore leaves {source} out of the context");
        }
    }
}

#[test]
fn the_image_runs_as_a_non_root_user() {
    let dockerfile = dockerfile();
    let runtime_image = dockerfile.base_image(dockerfile.runtime());
    let user = dockerfile
        .runtime()
        .iter()
        .filter(|i| i.keyword == "USER")
        .map(|i| i.args.clone())
        .next_back()
        .expect("the runtime stage sets USER");
    let name = user.split(':').next().unwrap_or_default();
    assert!(
        !name.is_empty() && name != "root" && name != "0",
        "USER {user} is root"
    );
    if name.parse::<u32>().is_err() {
        // A named user must exist in the base image: distroless's `:nonroot` images define it.
        assert!(
            runtime_image.contains("distroless") && name == "nonroot",
            "USER {user} may not exist in {runtime_image}"
        );
    }
}

#[test]
fn the_image_exposes_the_port_the_binary_listens_on() {
    let dockerfile = dockerfile();
    let runtime = dockerfile.runtime();
    let listen = Dockerfile::env(runtime, "AMIROLL_LISTEN").expect("the image sets AMIROLL_LISTEN");
    let listen: SocketAddr = listen.parse().unwrap();
    assert!(
        listen.ip().is_unspecified(),
        "{listen} is unreachable from outside the container"
    );
    let exposed: Vec<u16> = runtime
        .iter()
        .filter(|i| i.keyword == "EXPOSE")
        .flat_map(|i| i.args.split_whitespace())
        .map(|port| port.trim_end_matches("/tcp").parse().unwrap())
        .collect();
    assert!(
        exposed.contains(&listen.port()),
        "EXPOSE {exposed:?} misses the listen port {}",
        listen.port()
    );
}

#[test]
fn the_healthcheck_and_entrypoint_run_subcommands_the_binary_has() {
    let dockerfile = dockerfile();
    let runtime = dockerfile.runtime();
    let instruction = |keyword: &str| {
        runtime
            .iter()
            .find(|i| i.keyword == keyword)
            .unwrap_or_else(|| panic!("the runtime stage has no {keyword}"))
    };

    let entrypoint = exec_form(&instruction("ENTRYPOINT").args);
    assert_eq!(entrypoint, ["/usr/local/bin/amiroll"]);
    let command = exec_form(&instruction("CMD").args);
    assert_eq!(command, ["serve"]);

    // Distroless has no shell: the check must be exec form, and run the binary itself.
    let healthcheck = &instruction("HEALTHCHECK").args;
    let (_, check) = healthcheck
        .split_once("CMD ")
        .unwrap_or_else(|| panic!("HEALTHCHECK has no CMD: {healthcheck}"));
    let check = exec_form(check.trim());
    assert_eq!(check, ["/usr/local/bin/amiroll", "healthcheck"]);

    for subcommand in [&command[0], &check[1]] {
        let help = Command::new(env!("CARGO_BIN_EXE_amiroll"))
            .args([subcommand.as_str(), "--help"])
            .output()
            .unwrap();
        assert!(
            help.status.success(),
            "`amiroll {subcommand}` does not exist: {}",
            String::from_utf8_lossy(&help.stderr)
        );
    }
}

/// The `setpriv` that can switch to an unprivileged user, or why there is none.
fn setpriv() -> Result<&'static str, String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|err| format!("cannot run `id -u`: {err}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("not running as root, so cannot switch to an unprivileged user".into());
    }
    ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .ok_or_else(|| "setpriv (util-linux) is not installed".into())
}

/// Runs the binary as `nobody` (65534) with no supplementary groups, from `dir`, with a
/// minimal environment whose home and temporary directories cannot be written.
fn run_unprivileged(setpriv: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_amiroll"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .env("TMPDIR", dir)
        .output()
        .unwrap()
}

/// A copy of the example repository that nobody but root can write to.
fn read_only_example() -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), &target).unwrap();
                fs::set_permissions(&target, fs::Permissions::from_mode(0o444)).unwrap();
            }
        }
        fs::set_permissions(to, fs::Permissions::from_mode(0o555)).unwrap();
    }
    let scratch = tempfile::tempdir().unwrap();
    let example = scratch.path().join("example");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example"),
        &example,
    );
    fs::set_permissions(scratch.path(), fs::Permissions::from_mode(0o555)).unwrap();
    (scratch, example)
}

#[test]
fn the_binary_works_as_an_unprivileged_user_in_a_read_only_directory() {
    let setpriv = match setpriv() {
        Ok(setpriv) => setpriv,
        Err(reason) => {
            eprintln!("SKIPPED the unprivileged run: {reason}");
            return;
        }
    };
    // Root removes the read-only copy when `_scratch` drops.
    let (_scratch, example) = read_only_example();

    let plan = run_unprivileged(
        setpriv,
        &example,
        &["plan", "--repo", ".", "--ami", NEW_AMI],
    );
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan.status.success(),
        "plan failed as nobody: {}",
        String::from_utf8_lossy(&plan.stderr)
    );
    assert!(
        stdout.contains(&format!("+  instance_image_id = \"{NEW_AMI}\"")),
        "{stdout}"
    );
    // Nothing was written: the file still holds the old AMI.
    let clusters = fs::read_to_string(example.join("apps/clusters.tf")).unwrap();
    assert!(!clusters.contains(NEW_AMI));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{closed}/healthz");
    let check = run_unprivileged(setpriv, &example, &["healthcheck", "--url", &url]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
}

/// The parts of `app.yml` (the GitHub App manifest shipped with the image) that must agree with
/// the code.
#[derive(Debug, serde::Deserialize)]
struct AppManifest {
    name: String,
    public: bool,
    hook_attributes: HookAttributes,
    default_events: Vec<String>,
    default_permissions: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, serde::Deserialize)]
struct HookAttributes {
    url: String,
}

#[test]
fn the_app_manifest_subscribes_to_exactly_the_events_amiroll_handles() {
    let manifest: AppManifest = serde_saphyr::from_str(&repo_file("app.yml")).unwrap();
    assert_eq!(manifest.name, "amiroll");
    assert!(!manifest.public, "the App must be private");
    assert!(
        manifest.hook_attributes.url.ends_with("/webhooks/github"),
        "{}",
        manifest.hook_attributes.url
    );

    // GitHub delivers installation events to every App; they cannot be subscribed to.
    let always_delivered = ["installation", "installation_repositories"];
    let mut handled: Vec<&str> = amiroll::events::HANDLED_EVENTS
        .into_iter()
        .filter(|event| !always_delivered.contains(event))
        .collect();
    let mut subscribed: Vec<&str> = manifest.default_events.iter().map(String::as_str).collect();
    handled.sort_unstable();
    subscribed.sort_unstable();
    assert_eq!(subscribed, handled);

    // Each event needs the permission that grants it, and nothing asks for more than amiroll uses.
    let permissions = &manifest.default_permissions;
    let at_least = |scope: &str, access: &str| {
        let granted = permissions.get(scope).map(String::as_str);
        assert!(
            granted == Some(access) || (access == "read" && granted == Some("write")),
            "{scope}: {granted:?}, needs {access}"
        );
    };
    // What the code needs (the same list `amiroll doctor` checks installations against).
    for (scope, access) in amiroll::doctor::REQUIRED_PERMISSIONS {
        at_least(scope, access);
    }
    let expected: std::collections::BTreeSet<&str> = amiroll::doctor::REQUIRED_PERMISSIONS
        .iter()
        .map(|(scope, _)| *scope)
        .chain(["administration"])
        .collect();
    let asked: std::collections::BTreeSet<&str> = permissions.keys().map(String::as_str).collect();
    assert_eq!(asked, expected, "a permission was added or dropped");
    assert_eq!(
        permissions.get("administration").map(String::as_str),
        Some("read"),
        "doctor only reads branch protection"
    );
    assert_eq!(
        permissions.get("statuses").map(String::as_str),
        Some("read"),
        "the gate is a check run: amiroll never writes statuses"
    );
}
