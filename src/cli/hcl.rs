//! `amiroll hcl get|set`: read or rewrite one Terraform value from the command line, exactly as
//! `amiroll plan` and the server would, so a target address can be tried by hand.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::ami::AmiId;
use crate::cli::Exit;
use crate::hcl::{self, Address, HclError, Location};

const ADDRESSES: &str = "\
Addresses:
  module.staging_cluster.instance_image_id    an attribute of module \"staging_cluster\"
  locals.staging_ami                          a local (all locals blocks are searched)
  locals.amis.staging                         a key of an object value
  variable.ami.default                        a variable's default
  aws_launch_template.web.image_id            an attribute of resource \"aws_launch_template\" \"web\"
  staging_ami                                 a top-level value in a .tfvars file
Quote a segment that holds anything but letters, digits, `_` and `-`: locals.amis.\"eu.west\"";

const EXIT_CODES: &str = "\
Exit codes:
  0  done: the value was printed, changed, or was already set
  1  any other failure (writing the file or standard output)
  2  bad input: the AMI id, the address, or an unreadable or non-UTF-8 file
  3  refused: not a plain string literal, missing, ambiguous, or the file does not parse";

/// `amiroll hcl` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum HclCommand {
    /// Print the string value at ADDRESS in FILE.
    #[command(
        long_about = "Print the string value at ADDRESS in FILE, followed by a newline.\n\n\
            The value must be a plain string literal; anything else (a reference, an \
            interpolation, a heredoc, a function call...) is refused with its line and column.",
        after_help = format!(
            "Example:\n  amiroll hcl get apps/clusters.tf module.staging_cluster.instance_image_id\n\n\
             {ADDRESSES}\n\n{EXIT_CODES}"
        )
    )]
    Get {
        /// The Terraform file (`.tf` or `.tfvars`).
        file: PathBuf,
        /// The value's address, e.g. `module.staging_cluster.instance_image_id`.
        address: String,
    },
    /// Replace the string value at ADDRESS in FILE with AMI, changing no other byte.
    #[command(
        long_about = "Replace the string value at ADDRESS in FILE with \"AMI\", changing no other \
            byte: comments, spacing, line endings and everything else stay exactly as they were.\n\n\
            Prints the new file to standard output, or with --write replaces FILE in place \
            (atomically, keeping its permissions) and says on standard error whether the value \
            changed. Setting the value it already has changes nothing.",
        after_help = format!(
            "Examples:\n  \
             amiroll hcl set apps/clusters.tf module.staging_cluster.instance_image_id \\\n      \
             ami-0123456789abcdef0 | diff apps/clusters.tf -\n  \
             amiroll hcl set --write apps/clusters.tf \\\n      \
             module.staging_cluster.instance_image_id ami-0123456789abcdef0\n\n{ADDRESSES}\n\n{EXIT_CODES}"
        )
    )]
    Set {
        /// The Terraform file (`.tf` or `.tfvars`).
        file: PathBuf,
        /// The value's address, e.g. `module.staging_cluster.instance_image_id`.
        address: String,
        /// The new AMI id: `ami-` and 8 or 17 lowercase hexadecimal digits.
        ami: String,
        /// Replace FILE in place instead of printing the new contents.
        #[arg(long)]
        write: bool,
    },
}

/// Runs an `amiroll hcl` subcommand.
pub fn run(command: HclCommand) -> Exit {
    let result = match command {
        HclCommand::Get { file, address } => get(&file, &address),
        HclCommand::Set {
            file,
            address,
            ami,
            write,
        } => set(&file, &address, &ami, write),
    };
    match result {
        Ok(()) => Exit::Ok,
        Err(err) => {
            eprintln!("{}", err.message);
            err.exit
        }
    }
}

/// A message for standard error and the exit code that goes with it.
struct CliError {
    message: String,
    exit: Exit,
}

impl CliError {
    fn bad_input(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            exit: Exit::BadInput,
        }
    }

    fn other(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            exit: Exit::Failure,
        }
    }

    /// `FILE:LINE:COL: message`, exit code 3.
    fn refused(file: &Path, err: &HclError) -> Self {
        CliError {
            message: format!("{}:{}: {err}", file.display(), err.location()),
            exit: Exit::Refused,
        }
    }
}

fn get(file: &Path, address: &str) -> Result<(), CliError> {
    let address = parse_address(address)?;
    let source = read(file)?;
    let found = hcl::get(&source, &address).map_err(|err| CliError::refused(file, &err))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", found.value)
        .and_then(|()| stdout.flush())
        .map_err(|err| CliError::other(format!("error: cannot write to standard output: {err}")))
}

fn set(file: &Path, address: &str, ami: &str, write: bool) -> Result<(), CliError> {
    let ami: AmiId = ami
        .parse()
        .map_err(|err| CliError::bad_input(format!("error: {err}")))?;
    let address = parse_address(address)?;
    let source = read(file)?;
    let edit = hcl::set(&source, &address, &ami).map_err(|err| CliError::refused(file, &err))?;

    if !write {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(edit.output.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|err| {
                CliError::other(format!("error: cannot write to standard output: {err}"))
            });
    }
    let place = format!("{}:{}", file.display(), edit.location);
    if edit.changed {
        hcl::write_atomically(file, edit.output.as_bytes()).map_err(|err| {
            CliError::other(format!("error: cannot write {}: {err}", file.display()))
        })?;
        eprintln!(
            "{place}: `{address}` changed from {:?} to \"{ami}\"",
            edit.old_value
        );
    } else {
        eprintln!("{place}: `{address}` is already \"{ami}\"; the file was left as it was");
    }
    Ok(())
}

fn parse_address(address: &str) -> Result<Address, CliError> {
    address
        .parse()
        .map_err(|err| CliError::bad_input(format!("error: {err}")))
}

/// Reads `file`, refusing anything that is not UTF-8 (and saying where the first bad byte is).
fn read(file: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(file).map_err(|err| {
        CliError::bad_input(format!("error: cannot read {}: {err}", file.display()))
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&err.as_bytes()[..valid]);
        let location = Location::at(&prefix, valid);
        CliError::bad_input(format!(
            "{}:{location}: the file is not valid UTF-8 (byte {valid}); amiroll edits only UTF-8 \
             Terraform files",
            file.display()
        ))
    })
}
