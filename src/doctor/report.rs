//! The verdicts doctor prints: one line per finding (`ok`, `warning`, `problem`, ...), a "how to
//! fix" line under anything that is not ok, and the exit status they add up to.

use std::fmt::Write as _;

use crate::cli::Exit;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// As it should be.
    Ok,
    /// Not checked, because an earlier problem made it impossible.
    Skipped,
    /// Works, but weaker than it should be (e.g. a gate anyone with push access could forge).
    Warning,
    /// Could not be checked: GitHub or AWS failed to answer.
    Error,
    /// Stops a rollout or leaves the gate toothless.
    Problem,
}

impl Severity {
    /// The word printed at the start of the line.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Skipped => "skipped",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Problem => "problem",
        }
    }
}

/// One verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// What was checked (`installation`, `config`, `gate`, ...).
    pub check: &'static str,
    /// What was found; may span several lines (e.g. every problem of an invalid config).
    pub message: String,
    /// How to fix it, in one line (for anything that is not ok).
    pub fix: Option<String>,
}

impl Finding {
    /// A finding without a fix.
    pub fn new(severity: Severity, check: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            check,
            message: message.into(),
            fix: None,
        }
    }

    /// The same finding with a way to fix it.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Every finding, in the order checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The exit status: [`Exit::Refused`] when anything is a problem, else [`Exit::Failure`]
    /// when something could not be checked, else [`Exit::Ok`] (warnings included).
    pub fn exit(&self) -> Exit {
        let worst = self.findings.iter().map(|f| f.severity).max();
        match worst {
            Some(Severity::Problem) => Exit::Refused,
            Some(Severity::Error) => Exit::Failure,
            _ => Exit::Ok,
        }
    }

    /// The findings as text: `<label> <check>: <message>`, continuation lines and the fix
    /// indented under the message.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for finding in &self.findings {
            let mut lines = finding.message.lines();
            let first = lines.next().unwrap_or_default();
            let _ = writeln!(
                out,
                "{:<8} {}: {first}",
                finding.severity.label(),
                finding.check
            );
            for line in lines {
                let _ = writeln!(out, "{:<8}   {line}", "");
            }
            if let Some(fix) = &finding.fix {
                let _ = writeln!(out, "{:<8}   fix: {fix}", "");
            }
        }
        let count = |severity| {
            self.findings
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        let _ = writeln!(
            out,
            "{} problem(s), {} error(s), {} warning(s)",
            count(Severity::Problem),
            count(Severity::Error),
            count(Severity::Warning)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_outweighs_an_error_which_outweighs_warnings() {
        let mut report = Report::default();
        assert_eq!(report.exit(), Exit::Ok);
        report
            .findings
            .push(Finding::new(Severity::Warning, "a", "w"));
        report
            .findings
            .push(Finding::new(Severity::Skipped, "b", "s"));
        assert_eq!(report.exit(), Exit::Ok);
        report
            .findings
            .push(Finding::new(Severity::Error, "c", "e"));
        assert_eq!(report.exit(), Exit::Failure);
        report
            .findings
            .push(Finding::new(Severity::Problem, "d", "p"));
        assert_eq!(report.exit(), Exit::Refused);
    }

    #[test]
    fn continuation_lines_and_fixes_are_indented_under_the_message() {
        let report = Report {
            findings: vec![
                Finding::new(Severity::Ok, "app", "fine"),
                Finding::new(Severity::Problem, "config", "invalid:\nline 3: bad")
                    .fix("correct it"),
            ],
        };
        assert_eq!(
            report.render(),
            "ok       app: fine\n\
             problem  config: invalid:\n\
             \x20          line 3: bad\n\
             \x20          fix: correct it\n\
             1 problem(s), 0 error(s), 0 warning(s)\n"
        );
    }
}
