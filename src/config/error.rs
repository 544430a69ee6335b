//! Configuration errors that point at the line a user must fix.

use std::fmt;

/// One thing wrong with a config file, located where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, 0 when unknown (a missing key has no line of its own).
    pub line: u64,
    /// 1-based column, 0 when unknown.
    pub column: u64,
    /// The key path, e.g. `stages[1].targets[0].address`.
    pub key: String,
    /// What is wrong, and what is expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: ", self.line, self.column)?;
        }
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.key, self.message)
        }
    }
}

/// Why a config file was refused: all the problems found, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// Never empty.
    pub problems: Vec<Problem>,
}

impl ConfigError {
    /// Renders every problem prefixed by `file`, one per line, as compilers do.
    pub fn render(&self, file: &str) -> String {
        self.problems
            .iter()
            .map(|problem| {
                if problem.line > 0 {
                    format!("{file}:{problem}")
                } else {
                    format!("{file}: {problem}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(
            f,
            "invalid amiroll config ({count} problem{})",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}
