//! A moto server (the AWS emulator) on a free loopback port, for tests that talk to AWS APIs.
//! Each test starts its own server, so tests never see each other's parameters; the process is
//! killed when the [`MotoServer`] is dropped.

use std::fs::File;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start answering (it imports every AWS service model first).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How many ports to try when another process grabs the chosen one first.
const PORT_ATTEMPTS: usize = 3;
/// The Python interpreter, overridable for machines where moto lives elsewhere.
const PYTHON_VAR: &str = "AMIROLL_TEST_PYTHON";
/// Dummy credentials: moto accepts anything, the SDK only needs something to sign with.
pub const ACCESS_KEY_ID: &str = "testing";
/// See [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "testing";

/// A running `python3 -m moto.server`.
pub struct MotoServer {
    child: Child,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl MotoServer {
    /// Starts moto on a free loopback port and waits until it accepts connections.
    ///
    /// Panics, naming `scripts/install-test-deps.sh`, when moto is not installed or does not
    /// start in time.
    pub fn start() -> Self {
        let python = std::env::var(PYTHON_VAR).unwrap_or_else(|_| "python3".to_owned());
        let mut last_failure = String::new();
        for _ in 0..PORT_ATTEMPTS {
            match Self::try_start(&python) {
                Ok(server) => return server,
                Err(failure) => last_failure = failure,
            }
        }
        panic!(
            "cannot start the moto server (`{python} -m moto.server`): {last_failure}\n\
             Install the test dependencies with `scripts/install-test-deps.sh` \
             (or point {PYTHON_VAR} at a Python that has `moto[server]`)."
        );
    }

    fn try_start(python: &str) -> Result<Self, String> {
        let port = free_port().map_err(|err| format!("no free port: {err}"))?;
        let log = tempfile::NamedTempFile::new().map_err(|err| format!("no log file: {err}"))?;
        let stderr = log
            .reopen()
            .map_err(|err| format!("cannot open the log file: {err}"))?;
        let child = Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|err| format!("cannot run `{python}`: {err}"))?;
        let mut server = Self { child, port, log };
        server.wait_until_ready()?;
        Ok(server)
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}): {}", self.log_tail()));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "it did not answer on {address} within {START_TIMEOUT:?}: {}",
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(self.log.path()) {
            let _ = file.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }

    /// The endpoint to give the AWS SDK, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An SSM client for `region` that talks to this server with dummy credentials, built
    /// without touching the process environment.
    pub fn ssm_client(&self, region: &str) -> aws_sdk_ssm::Client {
        let config = aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new(region.to_owned()))
            .endpoint_url(self.endpoint_url())
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "moto",
            ))
            .build();
        aws_sdk_ssm::Client::from_conf(config)
    }

    /// An ECS client for `region` that talks to this server with dummy credentials, built
    /// without touching the process environment.
    pub fn ecs_client(&self, region: &str) -> aws_sdk_ecs::Client {
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new(region.to_owned()))
            .endpoint_url(self.endpoint_url())
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "moto",
            ))
            .build();
        aws_sdk_ecs::Client::from_conf(config)
    }

    /// Runs a Python script (boto3 is there, moto depends on it) against this server in `region`
    /// and returns what it prints; fails the test, with Python's stderr, if the script fails.
    pub fn boto3(&self, region: &str, script: &str) -> String {
        let python = std::env::var(PYTHON_VAR).unwrap_or_else(|_| "python3".to_owned());
        let mut command = Command::new(python);
        command.args(["-c", script]);
        self.configure(&mut command, region);
        let output = command.output().expect("python3 runs");
        assert!(
            output.status.success(),
            "boto3 failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Points a child process (e.g. the `amiroll` binary) at this server in `region`, with
    /// dummy credentials and nothing inherited from the developer's own AWS setup.
    pub fn configure(&self, command: &mut Command, region: &str) {
        for var in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL_SSM",
            "AWS_ENDPOINT_URL_ECS",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ] {
            command.env_remove(var);
        }
        command
            .env("AWS_ENDPOINT_URL", self.endpoint_url())
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("AWS_REGION", region)
            .env("AWS_CONFIG_FILE", "/nonexistent/amiroll-test/config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/amiroll-test/credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true");
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}
