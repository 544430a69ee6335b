//! Finding the one expression an [`Address`] names in a parsed file, or saying precisely why there
//! is not exactly one.

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};

use super::{Address, HclError, Location};

/// The expression an address names, and its byte range in the parsed text (without decor).
pub(super) struct Resolved<'a> {
    pub(super) expr: &'a Expression,
    pub(super) span: Range<usize>,
}

/// Finds the single expression `address` names in `body`, parsed from `text`.
///
/// In a body, for the remaining segments `[s0, s1, ...]`, a match is an attribute named `s0`
/// (the rest then names keys of nested object literals), or a block of type `s0` whose `k` labels
/// equal the next `k` segments (the rest is then looked up in its body). At the top level,
/// `TYPE.NAME...` also matches `resource "TYPE" "NAME"`, as in Terraform's own addresses.
/// Unlabelled blocks (`locals`) are searched together; two labelled blocks that both match are
/// ambiguous even when only one holds the attribute.
pub(super) fn resolve<'a>(
    text: &str,
    body: &'a Body,
    address: &Address,
) -> Result<Resolved<'a>, HclError> {
    let mut walk = Walk {
        text,
        address,
        found: Vec::new(),
        miss: None,
    };
    let file = Scope {
        description: "the file".to_owned(),
        location: Location::START,
    };
    walk.body(body, 0, &file, true)?;

    let mut found = walk.found;
    found.sort_by_key(|candidate| candidate.span().start);
    found.dedup_by_key(|candidate| candidate.span());
    match found.as_slice() {
        [] => {
            let (location, reason) = match walk.miss {
                Some(miss) => (miss.location, miss.reason),
                None => (Location::START, "nothing in the file matches it".to_owned()),
            };
            Err(HclError::NotFound {
                location,
                address: address.clone(),
                reason,
            })
        }
        [Candidate::Value { expr, span }] => Ok(Resolved {
            expr,
            span: span.clone(),
        }),
        [Candidate::Block { block, span }] => Err(HclError::NotFound {
            location: Location::at(text, span.start),
            address: address.clone(),
            reason: format!(
                "it names the block {} itself; add the name of the attribute inside it",
                header(block)
            ),
        }),
        [
            Candidate::Opaque {
                expr,
                span,
                consumed,
            },
        ] => Err(HclError::NotLiteral {
            location: Location::at(text, span.start),
            address: address.clone(),
            resolved: address.prefix(*consumed),
            found: describe(text, expr),
        }),
        several => Err(ambiguous(
            text,
            address,
            several.iter().map(Candidate::span),
        )),
    }
}

/// Something the whole address (or, for `Opaque`, a prefix of it) reached.
enum Candidate<'a> {
    /// The expression the whole address names.
    Value {
        expr: &'a Expression,
        span: Range<usize>,
    },
    /// The address ends at a block.
    Block {
        block: &'a Block,
        span: Range<usize>,
    },
    /// The first `consumed` segments name an expression that is not an object literal, so the
    /// rest cannot be looked up.
    Opaque {
        expr: &'a Expression,
        span: Range<usize>,
        consumed: usize,
    },
}

impl Candidate<'_> {
    fn span(&self) -> Range<usize> {
        match self {
            Candidate::Value { span, .. }
            | Candidate::Block { span, .. }
            | Candidate::Opaque { span, .. } => span.clone(),
        }
    }
}

/// A block or object the address reached, for "not found in ..." messages.
struct Scope {
    description: String,
    location: Location,
}

/// The deepest point where the address stopped matching.
struct Miss {
    depth: usize,
    location: Location,
    reason: String,
}

struct Walk<'t, 'a> {
    text: &'t str,
    address: &'t Address,
    found: Vec<Candidate<'a>>,
    miss: Option<Miss>,
}

impl<'a> Walk<'_, 'a> {
    /// Looks up the segments after the first `consumed` in `body`.
    fn body(
        &mut self,
        body: &'a Body,
        consumed: usize,
        scope: &Scope,
        top_level: bool,
    ) -> Result<(), HclError> {
        let segments = self.address.segments();
        let rest = &segments[consumed..];
        let Some(name) = rest.first() else {
            return Ok(());
        };

        let mut attribute_matched = false;
        let mut unlabelled = Vec::new();
        let mut labelled = Vec::new();
        let mut same_type = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) if attribute.key.as_str() == name.as_str() => {
                    attribute_matched = true;
                    let span = attribute.value.span().unwrap_or_default();
                    self.expr(&attribute.value, span, consumed + 1)?;
                }
                Structure::Attribute(_) => {}
                Structure::Block(block) => {
                    let after_type = &rest[1..];
                    if block.ident.as_str() == name.as_str() {
                        if block.labels.is_empty() {
                            unlabelled.push((block, consumed + 1));
                        } else if labels_match(block, after_type) {
                            labelled.push((block, consumed + 1 + block.labels.len()));
                        } else {
                            same_type.push(block);
                        }
                    }
                    // `aws_instance.web.ami` for `resource "aws_instance" "web" { ami = ... }`.
                    if top_level
                        && block.ident.as_str() == "resource"
                        && block.labels.len() == 2
                        && labels_match(block, rest)
                    {
                        labelled.push((block, consumed + 2));
                    }
                }
            }
        }

        let unlabelled_matched = !unlabelled.is_empty();
        if labelled.len() > 1 {
            let spans = labelled
                .iter()
                .map(|(block, _)| block.span().unwrap_or_default());
            return Err(ambiguous(self.text, self.address, spans));
        }
        let several_unlabelled = unlabelled.len() > 1;
        for (block, after) in unlabelled.iter().chain(labelled.iter()).copied() {
            let span = block.span().unwrap_or_default();
            if after == segments.len() {
                self.found.push(Candidate::Block { block, span });
            } else {
                // Unlabelled blocks of one type (`locals`) are searched together.
                let description = if several_unlabelled && block.labels.is_empty() {
                    format!("none of the {} {name} blocks", unlabelled.len())
                } else {
                    header(block)
                };
                let inner = Scope {
                    description,
                    location: Location::at(self.text, span.start),
                };
                self.body(&block.body, after, &inner, false)?;
            }
        }

        if !attribute_matched && !unlabelled_matched && labelled.is_empty() {
            let reason = match same_type.first() {
                None if scope.description.starts_with("none of") => {
                    format!("{} has an attribute or block `{name}`", scope.description)
                }
                None => format!("{} has no attribute or block `{name}`", scope.description),
                Some(first) => {
                    let labels = first.labels.len().min(rest.len() - 1);
                    let mut wanted = name.clone();
                    for label in &rest[1..=labels] {
                        wanted.push_str(&format!(" {label:?}"));
                    }
                    let existing: Vec<String> =
                        same_type.iter().take(5).map(|b| header(b)).collect();
                    let more = if same_type.len() > 5 { ", ..." } else { "" };
                    format!(
                        "{} has no block {wanted} (it has {}{more})",
                        scope.description,
                        existing.join(", ")
                    )
                }
            };
            self.record_miss(consumed, scope.location, reason);
        }
        Ok(())
    }

    /// Looks up the segments after the first `consumed` in `expr`, found at `span`.
    fn expr(
        &mut self,
        expr: &'a Expression,
        span: Range<usize>,
        consumed: usize,
    ) -> Result<(), HclError> {
        let segments = self.address.segments();
        let Some(name) = segments.get(consumed) else {
            self.found.push(Candidate::Value { expr, span });
            return Ok(());
        };
        let Expression::Object(object) = expr else {
            self.found.push(Candidate::Opaque {
                expr,
                span,
                consumed,
            });
            return Ok(());
        };
        let mut matched = false;
        for (key, value) in object.iter() {
            if key_matches(key, name) {
                matched = true;
                let value_span = value.expr().span().unwrap_or_default();
                self.expr(value.expr(), value_span, consumed + 1)?;
            }
        }
        if !matched {
            let location = Location::at(self.text, span.start);
            let reason = format!(
                "the object `{}` at {location} has no key `{name}`",
                self.address.prefix(consumed)
            );
            self.record_miss(consumed, location, reason);
        }
        Ok(())
    }

    /// Remembers why the address stopped matching, keeping the deepest reason.
    fn record_miss(&mut self, depth: usize, location: Location, reason: String) {
        if self.miss.as_ref().is_none_or(|miss| depth > miss.depth) {
            self.miss = Some(Miss {
                depth,
                location,
                reason,
            });
        }
    }
}

/// Whether the block's labels equal the first segments of `segments`.
fn labels_match(block: &Block, segments: &[String]) -> bool {
    block.labels.len() <= segments.len()
        && block
            .labels
            .iter()
            .zip(segments)
            .all(|(label, segment)| label.as_str() == segment)
}

/// Whether an object key is `name`, written bare (`staging = ...`) or quoted (`"staging" = ...`).
fn key_matches(key: &ObjectKey, name: &str) -> bool {
    match key {
        ObjectKey::Ident(ident) => ident.as_str() == name,
        ObjectKey::Expression(Expression::String(string)) => string.as_str() == name,
        ObjectKey::Expression(_) => false,
    }
}

/// A block's type and labels as written, e.g. `module "staging_cluster"`.
fn header(block: &Block) -> String {
    let mut header = block.ident.as_str().to_owned();
    for label in &block.labels {
        header.push_str(&format!(" {:?}", label.as_str()));
    }
    header
}

fn ambiguous(text: &str, address: &Address, spans: impl Iterator<Item = Range<usize>>) -> HclError {
    let mut candidates: Vec<Location> = spans.map(|span| Location::at(text, span.start)).collect();
    candidates.sort();
    candidates.dedup();
    HclError::Ambiguous {
        location: candidates.first().copied().unwrap_or(Location::START),
        address: address.clone(),
        candidates,
    }
}

/// What an expression is, with the start of its source, e.g. ``a reference (`var.ami`)``.
pub(super) fn describe(text: &str, expr: &Expression) -> String {
    let kind = match expr {
        Expression::Null(_) => return "`null`".to_owned(),
        Expression::Bool(_) => "a boolean",
        Expression::Number(_) => "a number",
        Expression::String(_) => "a string",
        Expression::Array(_) => "a list",
        Expression::Object(_) => "an object",
        Expression::StringTemplate(_) => "a string with interpolation",
        Expression::HeredocTemplate(_) => "a heredoc",
        Expression::Parenthesis(_) => "an expression in parentheses",
        Expression::Variable(_) | Expression::Traversal(_) => "a reference",
        Expression::Conditional(_) => "a conditional expression",
        Expression::FuncCall(_) => "a function call",
        Expression::UnaryOp(_) | Expression::BinaryOp(_) => "an operation",
        Expression::ForExpr(_) => "a `for` expression",
    };
    match expr.span().and_then(|span| text.get(span)) {
        Some(source) => format!("{kind} (`{}`)", excerpt(source)),
        None => kind.to_owned(),
    }
}

/// The first line of `source`, at most 60 characters, with `…` when something was cut.
fn excerpt(source: &str) -> String {
    const LIMIT: usize = 60;
    let first_line = source.lines().next().unwrap_or_default().trim_end();
    let mut excerpt: String = first_line.chars().take(LIMIT).collect();
    if excerpt.len() < source.trim_end().len() {
        excerpt.push('…');
    }
    excerpt
}
