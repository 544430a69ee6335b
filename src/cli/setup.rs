//! `amiroll setup`: creates the GitHub App from the repository's `app.yml` through GitHub's
//! manifest flow, so nobody copies permissions and events into forms by hand, and saves the App
//! id, private key and webhook secret in owner-only files. The pieces (manifest, page, exchange,
//! files, local server) are separate so each can be tested without a browser.

pub mod exchange;
pub mod files;
pub mod manifest;
pub mod page;
pub mod server;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use tokio::net::TcpListener;
use url::Url;

use crate::cli::Exit;
use crate::server::WEBHOOK_PATH;

pub use exchange::{CreatedApp, ExchangeError, conversion_url, exchange_code};
pub use files::{CredentialFiles, WriteError, check_can_write, write_credentials};
pub use manifest::{ManifestError, ManifestOverrides, build_manifest};
pub use page::{creation_url, html_escape, page_html};
pub use server::{CALLBACK_PATH, Created, SetupOptions, SetupServer};

/// Arguments of `amiroll setup`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct SetupArgs {
    /// Where GitHub will send webhooks: the public address of `amiroll serve`'s webhook route,
    /// e.g. https://amiroll.example.com/webhooks/github.
    #[arg(long, value_name = "URL")]
    pub webhook_url: Url,
    /// The App manifest (Probot's app.yml convention).
    #[arg(long, value_name = "PATH", default_value = "app.yml")]
    pub manifest: PathBuf,
    /// The App's name, instead of the manifest's (names are unique across GitHub).
    #[arg(long)]
    pub name: Option<String>,
    /// Create the App in this organisation instead of the signed-in user's account.
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// The port of the local page (on 127.0.0.1) that posts the manifest and receives GitHub's
    /// redirect.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// GitHub's web address; https://HOST for GitHub Enterprise Server.
    #[arg(long, value_name = "URL", default_value = "https://github.com")]
    pub github_url: Url,
    /// GitHub's REST API; https://HOST/api/v3 for GitHub Enterprise Server.
    #[arg(
        long,
        env = "AMIROLL_GITHUB_API_URL",
        value_name = "URL",
        default_value = "https://api.github.com"
    )]
    pub github_api_url: Url,
    /// The directory the credentials are written to (created 0700, each file 0600).
    #[arg(long, value_name = "DIR", default_value = ".amiroll")]
    pub out: PathBuf,
    /// Replace credential files left by an earlier run.
    #[arg(long)]
    pub force: bool,
}

const AFTER_HELP: &str = "\
How it works:
  amiroll serves a page on http://127.0.0.1:PORT/ that posts the manifest to GitHub's
  \"new App\" page (yours, or the organisation's with --org). GitHub asks you to confirm,
  creates the App and sends the browser back to http://127.0.0.1:PORT/callback with a
  one-time code, which amiroll exchanges for the App id, private key and webhook secret.

Files (in --out, default .amiroll/; keep it out of version control):
  app-id, private-key.pem, webhook-secret, client-secret  (mode 0600; never printed)

Exit status:
  0  the App was created and its credentials saved
  1  GitHub refused the code, could not be reached, or the files could not be written
  2  a malformed flag or manifest
  3  credential files already exist (use --force to replace them)";

/// Why a setup failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A flag or the manifest file is malformed.
    #[error("{0}")]
    BadInput(String),
    /// `app.yml` cannot be made into a manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The credentials cannot be written (or would overwrite files).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The code could not be exchanged.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// GitHub created the App but its credentials could not be saved.
    #[error(
        "the App {slug} was created, but {source}. Its settings ({settings_url}) can generate a \
         new private key and webhook secret"
    )]
    NotSaved {
        /// The App's slug.
        slug: String,
        /// Where to make new credentials.
        settings_url: String,
        /// Why saving failed.
        source: WriteError,
    },
    /// The local server could not run.
    #[error("{0}")]
    Server(String),
    /// Interrupted before GitHub's redirect arrived.
    #[error("interrupted before GitHub's redirect arrived; nothing was written")]
    Interrupted,
}

impl SetupError {
    /// The exit code this failure maps to.
    pub fn exit(&self) -> Exit {
        match self {
            Self::BadInput(_) | Self::Manifest(_) => Exit::BadInput,
            Self::Write(WriteError::WouldOverwrite(_)) => Exit::Refused,
            _ => Exit::Failure,
        }
    }
}

/// Runs `amiroll setup`: serves the page until GitHub's redirect is handled, then prints the
/// next steps (never a secret).
pub async fn run(args: SetupArgs) -> Exit {
    match setup(args).await {
        Ok(created) => {
            print!("{}", next_steps(&created));
            Exit::Ok
        }
        Err(err) => {
            eprintln!("error: {err}");
            err.exit()
        }
    }
}

async fn setup(args: SetupArgs) -> Result<Created, SetupError> {
    let options = options(&args)?;
    check_can_write(&options.out_dir, options.force)?;
    if !options.webhook_url.path().ends_with(WEBHOOK_PATH) {
        eprintln!(
            "warning: --webhook-url does not end with {WEBHOOK_PATH}, where `amiroll serve` \
             receives webhooks; it can be corrected later in the App's settings"
        );
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .await
        .map_err(|err| {
            SetupError::Server(format!(
                "cannot listen on 127.0.0.1:{}: {err} (choose another port with --port)",
                args.port
            ))
        })?;
    let server = SetupServer::start(listener, options).await?;
    let owner = args.org.as_deref().map_or_else(
        || "your account".to_owned(),
        |org| format!("the organisation {org}"),
    );
    println!(
        "Open {} in a browser signed in to GitHub to create the App in {owner}.\n\
         Waiting for GitHub to send the browser back (Ctrl-C to stop)...",
        server.url()
    );
    tokio::select! {
        created = server.finished() => created,
        _ = tokio::signal::ctrl_c() => Err(SetupError::Interrupted),
    }
}

/// Checks the flags and reads the manifest.
pub fn options(args: &SetupArgs) -> Result<SetupOptions, SetupError> {
    for (flag, url) in [
        ("--webhook-url", &args.webhook_url),
        ("--github-url", &args.github_url),
        ("--github-api-url", &args.github_api_url),
    ] {
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(SetupError::BadInput(format!(
                "{flag} `{url}` must be an http or https URL"
            )));
        }
    }
    if let Some(org) = &args.org
        && !is_login(org)
    {
        return Err(SetupError::BadInput(format!(
            "--org `{org}` is not a GitHub organisation name (letters, digits and single \
             hyphens, at most 39)"
        )));
    }
    if args
        .name
        .as_deref()
        .is_some_and(|name| name.trim().is_empty())
    {
        return Err(SetupError::BadInput("--name must not be empty".to_owned()));
    }
    let manifest_yaml = std::fs::read_to_string(&args.manifest).map_err(|err| {
        SetupError::BadInput(format!(
            "cannot read the manifest {}: {err}",
            args.manifest.display()
        ))
    })?;
    Ok(SetupOptions {
        manifest_yaml,
        webhook_url: args.webhook_url.clone(),
        name: args.name.clone(),
        org: args.org.clone(),
        github_url: args.github_url.clone(),
        api_url: args.github_api_url.clone(),
        out_dir: args.out.clone(),
        force: args.force,
    })
}

/// Whether `name` can be a GitHub login: ASCII letters, digits and inner single hyphens.
fn is_login(name: &str) -> bool {
    (1..=39).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// What to do once the App exists: install it, and point `amiroll serve` at the files. Names
/// the files, never prints what is in them.
pub fn next_steps(created: &Created) -> String {
    let files = &created.files;
    let shown = |path: &Path| {
        std::path::absolute(path)
            .unwrap_or_else(|_| path.to_owned())
            .display()
            .to_string()
    };
    let mut written = vec![&files.app_id, &files.private_key];
    written.extend(&files.webhook_secret);
    written.push(&files.client_secret);
    let mut text = format!(
        "Created the GitHub App {} (id {}): {}\nSaved, readable only by you:\n",
        created.slug, created.app_id, created.html_url
    );
    for path in written {
        text.push_str(&format!("  {}\n", shown(path)));
    }
    let settings = created
        .settings_url
        .as_ref()
        .map_or_else(|| created.html_url.clone(), Url::to_string);
    let webhook_secret = match &files.webhook_secret {
        Some(path) => format!(
            "       export AMIROLL_WEBHOOK_SECRET=\"$(cat {})\"\n",
            shown(path)
        ),
        None => format!(
            "       GitHub returned no webhook secret: set one in the App's settings ({settings})\n\
             \x20      and export it as AMIROLL_WEBHOOK_SECRET\n"
        ),
    };
    text.push_str(&format!(
        "\nNext steps:\n\
         \x20 1. Install the App on the Terraform repository: {}/installations/new\n\
         \x20 2. Give `amiroll serve` the App's credentials (in production, from SSM Parameter\n\
         \x20    Store or Secrets Manager; see deploy/):\n\
         \x20      export AMIROLL_APP_ID={}\n\
         \x20      export AMIROLL_PRIVATE_KEY_PATH={}\n\
         {webhook_secret}\
         \x20 3. Add .github/amiroll.yml to the repository, require the gate check on its base\n\
         \x20    branch, then run `amiroll doctor --repo OWNER/NAME`.\n\
         The App's settings (new private key or webhook secret, webhook URL): {settings}\n",
        created.html_url.trim_end_matches('/'),
        created.app_id,
        shown(&files.private_key),
    ));
    text
}
