//! Reading and replacing one string literal by splicing the original text: the document is parsed
//! only to find the literal's bytes and is never re-serialised, so every other byte survives.

use std::ops::Range;

use hcl_edit::expr::Expression;

use super::heredoc;
use super::resolve::{describe, resolve};
use super::{Address, HclError, Location};
use crate::ami::AmiId;

/// The string literal an address names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The string's value, escapes decoded.
    pub value: String,
    /// The byte range of the literal in the source, quotes included.
    pub span: Range<usize>,
    /// Where the literal starts (its opening quote).
    pub location: Location,
}

/// The result of [`set`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The new file contents: the source with `span` replaced by the new quoted literal.
    /// Equal to the source when nothing changed.
    pub output: String,
    /// The byte range of the replaced literal in the source, quotes included. In `output`, the new
    /// literal starts at the same offset.
    pub span: Range<usize>,
    /// Where the literal starts (its opening quote); the same in the source and in `output`.
    pub location: Location,
    /// The value that was there.
    pub old_value: String,
    /// Whether the value differed; when `false`, `output` is the source unchanged.
    pub changed: bool,
}

/// Reads the string literal `address` names in `source`.
///
/// # Errors
///
/// [`HclError`] when the file does not parse (or holds a heredoc the parser would misread), when
/// the address names nothing or several values, or when the value is not a plain string literal.
pub fn get(source: &str, address: &Address) -> Result<Found, HclError> {
    // A leading byte-order mark is kept in the output but hidden from the parser.
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    let bom = source.len() - text.len();

    let body = hcl_edit::parser::parse_body(text).map_err(|err| HclError::Parse {
        location: Location {
            line: err.location().line(),
            column: err.location().column(),
        },
        message: err.message().to_owned(),
    })?;
    heredoc::check(text, &body)?;
    let resolved = resolve(text, &body, address)?;
    let location = Location::at(text, resolved.span.start);
    let literal = text.get(resolved.span.clone()).unwrap_or_default();
    match resolved.expr {
        // The splice replaces exactly these bytes, so make sure they are the whole literal.
        Expression::String(value)
            if literal.len() >= 2 && literal.starts_with('"') && literal.ends_with('"') =>
        {
            Ok(Found {
                value: value.value().clone(),
                span: resolved.span.start + bom..resolved.span.end + bom,
                location,
            })
        }
        other => Err(HclError::NotLiteral {
            location,
            address: address.clone(),
            resolved: address.clone(),
            found: describe(text, other),
        }),
    }
}

/// Replaces the string literal `address` names in `source` with `"<ami>"`, leaving every other
/// byte as it was. Setting the value the literal already has changes nothing (`changed: false`).
///
/// # Errors
///
/// As [`get`]; nothing is produced when the value cannot be located or is not a plain string
/// literal.
pub fn set(source: &str, address: &Address, ami: &AmiId) -> Result<Edit, HclError> {
    let found = get(source, address)?;
    let changed = found.value != ami.as_str();
    let output = if changed {
        let mut output = String::with_capacity(source.len() + ami.as_str().len());
        output.push_str(&source[..found.span.start]);
        output.push('"');
        output.push_str(ami.as_str());
        output.push('"');
        output.push_str(&source[found.span.end..]);
        output
    } else {
        source.to_owned()
    };
    Ok(Edit {
        output,
        span: found.span,
        location: found.location,
        old_value: found.value,
        changed,
    })
}
