//! Properties of `amiroll::hcl` over generated documents: whatever surrounds the target (other
//! blocks and attributes, every comment style, CRLF or LF, tabs, heredocs, escapes, odd
//! alignment), `set` changes only the target literal and `get` reads the new value back; and no
//! input, however broken, makes `get` or `set` panic.

use amiroll::ami::AmiId;
use amiroll::hcl::{Address, HclError, get, set};
use proptest::prelude::*;
use proptest::sample::Index;

const OLD: &str = "ami-0bb273345f0961e90";
const NEW: &str = "ami-0123456789abcdef0";

/// How the file is laid out.
#[derive(Clone, Debug)]
struct Style {
    newline: &'static str,
    indent: &'static str,
    bom: bool,
    trailing_newline: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (
        prop_oneof![Just("\n"), Just("\r\n")],
        prop_oneof![Just("\t"), Just("  "), Just("    ")],
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(newline, indent, bom, trailing_newline)| Style {
            newline,
            indent,
            bom,
            trailing_newline,
        })
}

/// Text for comments and heredoc lines: no newlines, no `*/`, no template markers.
fn words() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 .,:=\"'{}()\\[\\]#é日-]{0,30}",
        Just(format!("instance_image_id = \"{OLD}\"")),
        Just("module \"staging_cluster\" {".to_owned()),
        Just("}".to_owned()),
    ]
}

/// The inside of a string literal, with escapes and non-ASCII characters.
fn string_body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z0-9 .:/-]{1,8}",
            Just("\\n".to_owned()),
            Just("\\\"".to_owned()),
            Just("\\\\".to_owned()),
            Just("\\u00e9".to_owned()),
            Just("\\U0001F600".to_owned()),
            Just("é日本".to_owned()),
            Just(OLD.to_owned()),
        ],
        0..5,
    )
    .prop_map(|pieces| pieces.concat())
}

#[derive(Clone, Debug)]
enum Value {
    String(String),
    Number(u32),
    Reference,
    Template,
    Heredoc { indented: bool, lines: Vec<String> },
    List(Vec<String>),
    Object(Vec<String>),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => string_body().prop_map(Value::String),
        1 => any::<u32>().prop_map(Value::Number),
        1 => Just(Value::Reference),
        1 => Just(Value::Template),
        // Empty heredocs are covered by `empty_heredocs_...` below.
        1 => (any::<bool>(), prop::collection::vec(words(), 1..4))
            .prop_map(|(indented, lines)| Value::Heredoc { indented, lines }),
        1 => prop::collection::vec(string_body(), 0..3).prop_map(Value::List),
        1 => prop::collection::vec(string_body(), 0..3).prop_map(Value::Object),
    ]
}

#[derive(Clone, Debug)]
enum Trailing {
    None,
    Hash(String),
    Slash(String),
    Block(String),
}

fn trailing() -> impl Strategy<Value = Trailing> {
    prop_oneof![
        2 => Just(Trailing::None),
        1 => words().prop_map(Trailing::Hash),
        1 => words().prop_map(Trailing::Slash),
        1 => "[a-z ]{0,10}".prop_map(Trailing::Block),
    ]
}

/// One thing in a body that is not the target.
#[derive(Clone, Debug)]
enum Filler {
    Blank,
    HashComment(String),
    SlashComment(String),
    BlockComment(Vec<String>),
    Attribute {
        value: Value,
        padding: usize,
        trailing: Trailing,
    },
    Block {
        kind: u8,
        body: Vec<Filler>,
    },
}

fn flat_filler() -> impl Strategy<Value = Filler> {
    prop_oneof![
        1 => Just(Filler::Blank),
        1 => words().prop_map(Filler::HashComment),
        1 => words().prop_map(Filler::SlashComment),
        1 => prop::collection::vec("[a-z #=\"]{0,20}", 1..3).prop_map(Filler::BlockComment),
        4 => (value(), 0..4usize, trailing())
            .prop_map(|(value, padding, trailing)| Filler::Attribute { value, padding, trailing }),
    ]
}

fn filler() -> impl Strategy<Value = Filler> {
    prop_oneof![
        4 => flat_filler(),
        1 => (0..3u8, prop::collection::vec(flat_filler(), 0..4))
            .prop_map(|(kind, body)| Filler::Block { kind, body }),
    ]
}

/// Renders text line by line with the document's newline and indentation.
struct Writer<'s> {
    style: &'s Style,
    text: String,
    names: usize,
}

impl Writer<'_> {
    fn line(&mut self, depth: usize, line: &str) {
        for _ in 0..depth {
            self.text.push_str(self.style.indent);
        }
        self.text.push_str(line);
        self.text.push_str(self.style.newline);
    }

    fn name(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}_{}", self.names)
    }

    fn trailing(trailing: &Trailing) -> String {
        match trailing {
            Trailing::None => String::new(),
            Trailing::Hash(text) => format!(" # {text}"),
            Trailing::Slash(text) => format!("\t// {text}"),
            Trailing::Block(text) => format!(" /* {text} */"),
        }
    }

    /// Writes `key = value`; heredocs take several lines.
    fn attribute(&mut self, depth: usize, key: &str, value: &Value, padding: usize, end: &str) {
        let pad = " ".repeat(padding);
        let head = format!("{key}{pad} ={pad} ");
        match value {
            Value::String(body) => self.line(depth, &format!("{head}\"{body}\"{end}")),
            Value::Number(n) => self.line(depth, &format!("{head}{n}{end}")),
            Value::Reference => self.line(depth, &format!("{head}var.x{end}")),
            Value::Template => self.line(depth, &format!("{head}\"a-${{local.y}}-é\"{end}")),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
                self.line(depth, &format!("{head}[{}]{end}", items.join(", ")));
            }
            Value::Object(items) => {
                self.line(depth, &format!("{head}{{"));
                for (index, item) in items.iter().enumerate() {
                    let separator = if index % 2 == 0 { "," } else { "" };
                    self.line(depth + 1, &format!("k{index} = \"{item}\"{separator}"));
                }
                self.line(depth, &format!("}}{end}"));
            }
            Value::Heredoc { indented, lines } => {
                let marker = if *indented { "<<-EOT" } else { "<<EOT" };
                self.line(depth, &format!("{head}{marker}"));
                for line in lines {
                    // A content line that starts like the marker could end the heredoc early.
                    let line = if line.trim_start().starts_with("EOT") {
                        format!("_{line}")
                    } else {
                        line.clone()
                    };
                    self.line(if *indented { depth + 1 } else { 0 }, &line);
                }
                // Terraform wants the closing marker alone on its line: no trailing comment.
                self.line(if *indented { depth } else { 0 }, "EOT");
            }
        }
    }

    fn filler(&mut self, depth: usize, filler: &Filler) {
        match filler {
            Filler::Blank => self.line(0, ""),
            Filler::HashComment(text) => self.line(depth, &format!("# {text}")),
            Filler::SlashComment(text) => self.line(depth, &format!("// {text}")),
            Filler::BlockComment(lines) => {
                let joined = lines.join(self.style.newline);
                self.line(depth, &format!("/* {joined} */"));
            }
            Filler::Attribute {
                value,
                padding,
                trailing,
            } => {
                let key = self.name("attr");
                self.attribute(depth, &key, value, *padding, &Self::trailing(trailing));
            }
            Filler::Block { kind, body } => {
                let header = match kind {
                    0 => format!("module \"{}\" {{", self.name("other")),
                    1 => format!("resource \"aws_instance\" \"{}\" {{", self.name("other")),
                    _ => "locals {".to_owned(),
                };
                self.line(depth, &header);
                for filler in body {
                    self.filler(depth + 1, filler);
                }
                self.line(depth, "}");
            }
        }
    }
}

/// Where the target sits and how its line is written.
#[derive(Clone, Debug)]
struct Target {
    kind: u8,
    quoted_key: bool,
    padding: (usize, usize),
    comment_before: bool,
    trailing: Trailing,
}

fn target() -> impl Strategy<Value = Target> {
    (
        0..6u8,
        any::<bool>(),
        (0..6usize, 0..6usize),
        prop::bool::weighted(0.2),
        trailing(),
    )
        .prop_map(
            |(kind, quoted_key, padding, comment_before, trailing)| Target {
                kind,
                quoted_key,
                padding,
                comment_before,
                trailing,
            },
        )
}

/// A document with the target literal `"OLD"` among generated surroundings, and its address.
#[derive(Clone, Debug)]
struct Document {
    text: String,
    address: Address,
}

fn render(
    style: &Style,
    before: &[Filler],
    inside: &[Filler],
    after: &[Filler],
    target: &Target,
) -> Document {
    let mut w = Writer {
        style,
        text: String::new(),
        names: 0,
    };
    if style.bom {
        w.text.push('\u{feff}');
    }
    for filler in before {
        w.filler(0, filler);
    }
    let (key, address, depth) = match target.kind {
        0 => (
            "instance_image_id",
            "module.staging_cluster.instance_image_id",
            1,
        ),
        1 => ("staging_ami", "locals.staging_ami", 1),
        2 => ("staging_ami", "staging_ami", 0),
        3 => ("staging", "amis.staging", 1),
        4 => ("default", "variable.ami.default", 1),
        _ => ("image_id", "aws_launch_template.staging.image_id", 1),
    };
    let header = match target.kind {
        0 => Some("module \"staging_cluster\" {"),
        1 => Some("locals {"),
        3 => Some("amis = {"),
        4 => Some("variable \"ami\" {"),
        5 => Some("resource \"aws_launch_template\" \"staging\" {"),
        _ => None,
    };
    // Object items are not attributes: keep their surroundings to comments and other keys.
    let inside: Vec<Filler> = if target.kind == 3 {
        inside
            .iter()
            .filter(|f| match f {
                Filler::HashComment(_) | Filler::SlashComment(_) => true,
                Filler::Attribute { value, .. } => {
                    matches!(
                        value,
                        Value::String(_) | Value::Number(_) | Value::Reference
                    )
                }
                _ => false,
            })
            .cloned()
            .collect()
    } else {
        inside
            .iter()
            .filter(|f| !matches!(f, Filler::Block { .. }))
            .cloned()
            .collect()
    };
    if let Some(header) = header {
        w.line(0, header);
    }
    for filler in &inside {
        w.filler(depth, filler);
    }
    let key = if target.quoted_key && target.kind == 3 {
        format!("\"{key}\"")
    } else {
        key.to_owned()
    };
    let (left, right) = target.padding;
    let comment = if target.comment_before {
        "/* was ami-cad827b7 */ "
    } else {
        ""
    };
    let end = Writer::trailing(&target.trailing);
    w.line(
        depth,
        &format!(
            "{key}{}={}{comment}\"{OLD}\"{end}",
            " ".repeat(left),
            " ".repeat(right.max(1))
        ),
    );
    for filler in inside.iter().rev() {
        w.filler(depth, filler);
    }
    if header.is_some() {
        w.line(0, "}");
    }
    for filler in after {
        w.filler(0, filler);
    }
    if !style.trailing_newline {
        let trimmed = w.text.trim_end_matches(['\r', '\n']).len();
        w.text.truncate(trimmed);
    }
    Document {
        text: w.text,
        address: address.parse().unwrap(),
    }
}

fn document() -> impl Strategy<Value = Document> {
    let fillers = || prop::collection::vec(filler(), 0..6);
    (
        style(),
        fillers(),
        prop::collection::vec(flat_filler(), 0..4),
        fillers(),
        target(),
    )
        .prop_map(|(style, before, inside, after, target)| {
            render(&style, &before, &inside, &after, &target)
        })
}

fn ami(text: &str) -> AmiId {
    text.parse().unwrap()
}

/// Checks that `set` on `input` changed nothing outside the literal it reports.
fn assert_only_the_literal_changed(input: &str, address: &Address, ami: &AmiId) {
    let Ok(edit) = set(input, address, ami) else {
        return;
    };
    let new_literal = format!("\"{ami}\"");
    let new_end = edit.span.start
        + if edit.changed {
            new_literal.len()
        } else {
            edit.span.len()
        };
    assert_eq!(
        edit.output.as_bytes()[..edit.span.start],
        input.as_bytes()[..edit.span.start]
    );
    assert_eq!(
        edit.output.as_bytes()[new_end..],
        input.as_bytes()[edit.span.end..]
    );
    if edit.changed {
        assert_eq!(&edit.output[edit.span.start..new_end], new_literal);
    } else {
        assert_eq!(edit.output, input);
    }
}

/// A small edit that may break the document: delete a few characters, insert a token, or
/// duplicate a line.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(Index, usize),
    Insert(Index, &'static str),
    DuplicateLine(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1..6usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (
            any::<Index>(),
            prop::sample::select(vec![
                "{", "}", "\"", "[", "]", "(", ")", "=", "\n", "\r\n", "#", "//", "/*", "*/",
                "<<EOT\n", "\nEOT\n", "${", "%{", "\\", "\\u", ".", ",", "?", "é", "\u{feff}",
            ]),
        )
            .prop_map(|(at, token)| Mutation::Insert(at, token)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
    ]
}

fn boundary(text: &str, at: &Index) -> usize {
    let mut offset = at.index(text.len() + 1);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_owned();
    for mutation in mutations {
        match mutation {
            Mutation::Delete(at, len) => {
                let start = boundary(&text, at);
                let mut end = (start + len).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(start..end, "");
            }
            Mutation::Insert(at, token) => {
                let at = boundary(&text, at);
                text.insert_str(at, token);
            }
            Mutation::DuplicateLine(at) => {
                let at = boundary(&text, at);
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
                let line = text[start..end].to_owned();
                text.insert_str(start, &line);
            }
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn set_changes_only_the_target_literal_and_reads_back(doc in document()) {
        let found = get(&doc.text, &doc.address);
        prop_assert!(found.is_ok(), "{:?}\n{}", found, doc.text);
        let found = found.unwrap();
        prop_assert_eq!(&found.value, OLD);
        prop_assert_eq!(&doc.text[found.span.clone()], format!("\"{OLD}\""));

        let edit = set(&doc.text, &doc.address, &ami(NEW)).unwrap();
        prop_assert!(edit.changed);
        prop_assert_eq!(&edit.output[..edit.span.start], &doc.text[..edit.span.start]);
        let new_end = edit.span.start + NEW.len() + 2;
        prop_assert_eq!(&edit.output[new_end..], &doc.text[edit.span.end..]);
        prop_assert_eq!(&edit.output[edit.span.start..new_end], format!("\"{NEW}\""));

        let reread = get(&edit.output, &doc.address).unwrap();
        prop_assert_eq!(reread.value, NEW);
        prop_assert_eq!(reread.location, found.location);

        let again = set(&edit.output, &doc.address, &ami(NEW)).unwrap();
        prop_assert!(!again.changed);
        prop_assert_eq!(again.output, edit.output);
    }

    #[test]
    fn empty_heredocs_never_make_another_value_readable(doc in document(), at_end in any::<bool>()) {
        // The parser runs an empty heredoc on to the next marker line, unlike Terraform; amiroll
        // then refuses the file rather than read what Terraform sees as heredoc text.
        let newline = if doc.text.contains("\r\n") { "\r\n" } else { "\n" };
        let empty = format!("empty = <<EOT{newline}EOT{newline}");
        let text = if at_end {
            format!("{}{newline}{empty}", doc.text)
        } else {
            let bom = if doc.text.starts_with('\u{feff}') { "\u{feff}" } else { "" };
            format!("{bom}{empty}{}", doc.text.trim_start_matches('\u{feff}'))
        };
        match get(&text, &doc.address) {
            Ok(found) => {
                prop_assert_eq!(found.value, OLD);
                prop_assert_eq!(&text[found.span], format!("\"{OLD}\""));
            }
            Err(err) => prop_assert!(matches!(err, HclError::Parse { .. }), "{:?}", err),
        }
    }

    #[test]
    fn mutated_documents_never_panic_and_edits_stay_inside_the_span(
        doc in document(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let text = mutate(&doc.text, &mutations);
        let _ = get(&text, &doc.address);
        assert_only_the_literal_changed(&text, &doc.address, &ami(NEW));
        assert_only_the_literal_changed(&text, &doc.address, &ami(OLD));
    }

    #[test]
    fn arbitrary_text_never_panics(
        text in prop_oneof![
            any::<String>(),
            "[a-z_ ={}\\[\\]()\"$%<>#/*\\\\\n\r\t.,:?0-9é-]{0,200}",
        ],
        address in "[a-z_.\"]{1,20}",
    ) {
        let Ok(address) = address.parse::<Address>() else { return Ok(()) };
        let _ = get(&text, &address);
        assert_only_the_literal_changed(&text, &address, &ami(NEW));
    }

    #[test]
    fn addresses_parse_without_panicking_and_display_round_trips(text in any::<String>()) {
        if let Ok(address) = text.parse::<Address>() {
            prop_assert_eq!(address.to_string().parse::<Address>().unwrap(), address);
        }
    }
}
