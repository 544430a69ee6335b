//! `amiroll::hcl::{get, set}` on realistic Terraform files: the AMI literal changes, nothing else
//! does, and anything amiroll cannot edit safely is refused with the place and the reason.

use std::fs;
use std::path::Path;

use amiroll::ami::AmiId;
use amiroll::hcl::{Address, Edit, HclError, Location, get, set, write_atomically};

const NEW: &str = "ami-0123456789abcdef0";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hcl")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn address(text: &str) -> Address {
    text.parse().unwrap()
}

fn ami(text: &str) -> AmiId {
    text.parse().unwrap()
}

/// Sets `target` to `value` in `input` and checks the edit's guarantees: the output differs from
/// the input only inside the literal's span, the literal is the quoted AMI id, and reading the
/// output back gives the new value at the same place.
fn set_and_check(input: &str, target: &str, value: &str) -> Edit {
    let target = address(target);
    let edit = set(input, &target, &ami(value)).unwrap();
    let literal = format!("\"{value}\"");
    let new_end = edit.span.start + literal.len();

    assert!(edit.changed);
    assert_eq!(
        edit.output.as_bytes()[..edit.span.start],
        input.as_bytes()[..edit.span.start],
        "bytes before the literal changed"
    );
    assert_eq!(
        edit.output.as_bytes()[new_end..],
        input.as_bytes()[edit.span.end..],
        "bytes after the literal changed"
    );
    assert_eq!(&edit.output[edit.span.start..new_end], literal);
    // What was replaced is exactly one whole string literal.
    let replaced = &input[edit.span.clone()];
    assert!(replaced.len() >= 2 && replaced.starts_with('"') && replaced.ends_with('"'));
    assert!(!replaced[1..replaced.len() - 1].contains('"'), "{replaced}");

    let reread = get(&edit.output, &target).unwrap();
    assert_eq!(reread.value, value);
    assert_eq!(reread.span, edit.span.start..new_end);
    assert_eq!(reread.location, edit.location);
    edit
}

#[test]
fn reads_the_staging_ami_of_a_cluster_module() {
    let input = fixture("clusters.tf");
    let found = get(&input, &address("module.staging_cluster.instance_image_id")).unwrap();
    assert_eq!(found.value, "ami-0bb273345f0961e90");
    assert_eq!(
        found.location,
        Location {
            line: 14,
            column: 23
        }
    );
    assert_eq!(&input[found.span], "\"ami-0bb273345f0961e90\"");
}

#[test]
fn rolls_staging_without_touching_production_comments_or_heredocs() {
    let input = fixture("clusters.tf");
    let edit = set_and_check(&input, "module.staging_cluster.instance_image_id", NEW);
    assert_eq!(edit.old_value, "ami-0bb273345f0961e90");
    // The same id elsewhere (production, a comment, a heredoc) is left alone.
    let production = get(
        &edit.output,
        &address("module.production_cluster.instance_image_id"),
    );
    assert_eq!(production.unwrap().value, "ami-0bb273345f0961e90");
    assert!(edit.output.contains("# 2019-05-07, agent 1.28.0\n"));
    assert!(
        edit.output
            .contains("* instance_image_id = \"ami-cad827b7\"")
    );
    assert!(
        edit.output
            .contains("echo \"image: ami-00000000\" > /etc/motd")
    );
    assert!(edit.output.contains(r#""digital\u0040boston.gov""#));
    assert_eq!(edit.output.matches(NEW).count(), 1);
}

#[test]
fn keeps_crlf_tabs_and_trailing_comments() {
    let input = fixture("crlf_tabs.tf");
    assert!(
        input.contains("\r\n") && input.contains('\t'),
        "the fixture lost its CRLF or tabs"
    );
    let edit = set_and_check(&input, "module.staging_cluster.instance_image_id", NEW);
    assert!(
        edit.output
            .contains(&format!("\"{NEW}\"\t# trailing hash comment\r\n"))
    );
    assert_eq!(
        edit.output.matches("\r\n").count(),
        input.matches("\r\n").count()
    );
    assert_eq!(
        edit.output.matches('\n').count(),
        input.matches('\n').count()
    );

    // An aligned value followed by a block comment.
    let edit = set_and_check(
        &edit.output,
        "module.production_cluster.instance_image_id",
        NEW,
    );
    assert!(
        edit.output
            .contains(&format!("=   \"{NEW}\"   /* aligned */\r\n}}"))
    );
    assert!(!edit.output.ends_with("\r\n\r\n"));
}

#[test]
fn keeps_a_missing_trailing_newline() {
    let input = fixture("no_trailing_newline.tfvars");
    assert!(!input.ends_with('\n'));
    let edit = set_and_check(&input, "staging_ami", NEW);
    assert!(
        edit.output
            .ends_with(&format!("\"{NEW}\" # no newline after this"))
    );
}

#[test]
fn keeps_a_byte_order_mark() {
    let input = fixture("bom.tf");
    assert!(input.starts_with('\u{feff}'));
    let edit = set_and_check(&input, "variable.ami.default", NEW);
    assert!(edit.output.starts_with('\u{feff}'));
    // The mark is not a column.
    assert_eq!(
        edit.location,
        Location {
            line: 3,
            column: 13
        }
    );
}

#[test]
fn reads_and_sets_tfvars_values_and_object_keys() {
    let input = fixture("staging.tfvars");
    set_and_check(&input, "staging_ami", NEW);
    let edit = set_and_check(&input, "amis.production", NEW);
    assert_eq!(edit.old_value, "ami-cad827b7");
    // A trailing comma stays.
    assert!(edit.output.contains(&format!("production = \"{NEW}\",\n")));
}

#[test]
fn finds_values_across_several_locals_blocks_and_nested_objects() {
    let input = fixture("locals.tf");
    let cases = [
        ("locals.staging_ami", "ami-0bb273345f0961e90", 7),
        ("locals.amis.staging", "ami-0bb273345f0961e90", 10),
        ("locals.amis.production", "ami-cad827b7", 11),
        (r#"locals.amis."eu.west""#, "ami-cad827b7", 12),
        (
            "locals.amis.regions.us-east-1.ecs",
            "ami-0bb273345f0961e90",
            14,
        ),
    ];
    for (target, old, line) in cases {
        let found = get(&input, &address(target)).unwrap();
        assert_eq!(
            (found.value.as_str(), found.location.line),
            (old, line),
            "{target}"
        );
        set_and_check(&input, target, NEW);
    }
}

#[test]
fn finds_variable_defaults_and_resources_with_or_without_the_resource_prefix() {
    set_and_check(&fixture("variables.tf"), "variable.ami.default", NEW);
    let resources = fixture("resources.tf");
    let short = set_and_check(&resources, "aws_launch_template.staging.image_id", NEW);
    let long = set_and_check(
        &resources,
        "resource.aws_launch_template.staging.image_id",
        NEW,
    );
    assert_eq!(short, long);
}

#[test]
fn several_targets_in_one_file_can_be_set_one_after_the_other() {
    let input = fixture("clusters.tf");
    let staging = set_and_check(&input, "module.staging_cluster.instance_image_id", NEW);
    let both = set_and_check(
        &staging.output,
        "module.production_cluster.instance_image_id",
        "ami-cad827b7",
    );
    let expected = input
        .replacen("\"ami-0bb273345f0961e90\"", &format!("\"{NEW}\""), 1)
        .replacen(
            "instance_image_id = \"ami-0bb273345f0961e90\"\n  instance_type     = \"m5.xlarge\"",
            "instance_image_id = \"ami-cad827b7\"\n  instance_type     = \"m5.xlarge\"",
            1,
        );
    assert_eq!(both.output, expected);
}

#[test]
fn setting_the_current_value_is_a_no_op() {
    let input = fixture("clusters.tf");
    let target = address("module.staging_cluster.instance_image_id");
    let edit = set(&input, &target, &ami("ami-0bb273345f0961e90")).unwrap();
    assert!(!edit.changed);
    assert_eq!(edit.output, input);
    assert_eq!(edit.old_value, "ami-0bb273345f0961e90");
    assert_eq!(
        edit.location,
        Location {
            line: 14,
            column: 23
        }
    );
}

#[test]
fn escapes_in_the_current_value_are_decoded_before_comparing() {
    let input = "ami = \"ami-cad827b\\u0037\"\n";
    let found = get(input, &address("ami")).unwrap();
    assert_eq!(found.value, "ami-cad827b7");
    assert!(
        !set(input, &address("ami"), &ami("ami-cad827b7"))
            .unwrap()
            .changed
    );
    let edit = set_and_check(input, "ami", NEW);
    assert_eq!(edit.output, format!("ami = \"{NEW}\"\n"));
}

#[test]
fn refuses_anything_but_a_plain_string_literal_and_says_what_it_found() {
    let input = fixture("not_literal.tf");
    let cases = [
        ("reference", 8, "a reference (`var.ami`)"),
        (
            "interpolation",
            9,
            "a string with interpolation (`\"${local.ami}\"`)",
        ),
        (
            "partial",
            10,
            "a string with interpolation (`\"ami-${var.suffix}\"`)",
        ),
        ("heredoc", 11, "a heredoc (`<<EOT…`)"),
        (
            "function_call",
            14,
            "a function call (`lookup(var.amis, \"staging\", \"ami-0bb273345f0961e90\")`)",
        ),
        ("number", 15, "a number (`42`)"),
        ("conditional", 16, "a conditional expression"),
        ("nothing", 17, "`null`"),
        ("parenthesised", 18, "an expression in parentheses"),
        ("list", 19, "a list"),
        ("object", 20, "an object"),
    ];
    for (name, line, found_start) in cases {
        let target = address(&format!("module.staging_cluster.{name}"));
        let err = set(&input, &target, &ami(NEW)).unwrap_err();
        let HclError::NotLiteral {
            location,
            found,
            resolved,
            ..
        } = &err
        else {
            panic!("{name}: {err:?}");
        };
        assert_eq!(*location, Location { line, column: 19 }, "{name}");
        assert!(found.starts_with(found_start), "{name}: {found}");
        assert_eq!(*resolved, target);
        assert!(
            err.to_string().contains("not a plain string literal"),
            "{err}"
        );
        assert_eq!(get(&input, &target).unwrap_err(), err);
    }
}

#[test]
fn refuses_to_look_inside_a_value_that_is_not_an_object_literal() {
    let input = fixture("not_literal.tf");
    let err = get(
        &input,
        &address("module.staging_cluster.via_variable.staging"),
    )
    .unwrap_err();
    assert_eq!(
        err.location(),
        Location {
            line: 21,
            column: 19
        }
    );
    assert_eq!(
        err.to_string(),
        "`module.staging_cluster.via_variable` is a reference (`var.amis`), not an object \
         literal, so `module.staging_cluster.via_variable.staging` cannot be looked up in it"
    );
}

#[test]
fn missing_targets_are_refused_with_the_closest_place_reached() {
    let clusters = fixture("clusters.tf");
    let locals = fixture("locals.tf");
    let cases = [
        (
            &clusters,
            "module.staging_cluster.image_id",
            Location { line: 6, column: 1 },
            "`module.staging_cluster.image_id` not found: module \"staging_cluster\" has no \
             attribute or block `image_id`",
        ),
        (
            &clusters,
            "module.staging.instance_image_id",
            Location::START,
            "`module.staging.instance_image_id` not found: the file has no block module \
             \"staging\" (it has module \"staging_cluster\", module \"production_cluster\")",
        ),
        (
            &clusters,
            "staging_ami",
            Location::START,
            "`staging_ami` not found: the file has no attribute or block `staging_ami`",
        ),
        (
            &clusters,
            "module.staging_cluster",
            Location { line: 6, column: 1 },
            "`module.staging_cluster` not found: it names the block module \"staging_cluster\" \
             itself; add the name of the attribute inside it",
        ),
        (
            &locals,
            "locals.amis.testing",
            Location {
                line: 9,
                column: 10,
            },
            "`locals.amis.testing` not found: the object `locals.amis` at 9:10 has no key `testing`",
        ),
        (
            &locals,
            "locals.production_ami",
            Location::START,
            "`locals.production_ami` not found: none of the 3 locals blocks has an attribute or \
             block `production_ami`",
        ),
    ];
    for (input, target, location, message) in cases {
        let err = get(input, &address(target)).unwrap_err();
        assert!(
            matches!(err, HclError::NotFound { .. }),
            "{target}: {err:?}"
        );
        assert_eq!(err.location(), location, "{target}");
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn a_duplicated_module_is_ambiguous_and_both_places_are_named() {
    let input = fixture("ambiguous.tf");
    let err = set(
        &input,
        &address("module.staging_cluster.instance_image_id"),
        &ami(NEW),
    )
    .unwrap_err();
    let HclError::Ambiguous { candidates, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        candidates,
        &[
            Location { line: 1, column: 1 },
            Location { line: 6, column: 1 }
        ]
    );
    assert_eq!(err.location(), Location { line: 1, column: 1 });
    assert_eq!(
        err.to_string(),
        "`module.staging_cluster.instance_image_id` is ambiguous: it matches 2 places, at 1:1, \
         6:1; amiroll edits only an address that names exactly one value"
    );
}

#[test]
fn the_same_key_bare_and_quoted_is_ambiguous() {
    let input = "amis = {\n  staging = \"ami-cad827b7\"\n  \"staging\" = \"ami-cad827b7\"\n}\n";
    let err = get(input, &address("amis.staging")).unwrap_err();
    let HclError::Ambiguous { candidates, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        candidates,
        &[
            Location {
                line: 2,
                column: 13
            },
            Location {
                line: 3,
                column: 15
            }
        ]
    );
}

#[test]
fn a_file_that_does_not_parse_is_refused_with_the_parsers_location_and_message() {
    let input = fixture("invalid.tf");
    let err = set(
        &input,
        &address("module.staging_cluster.instance_image_id"),
        &ami(NEW),
    )
    .unwrap_err();
    let HclError::Parse { location, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*location, Location { line: 3, column: 3 });
    assert!(message.contains("expected"), "{message}");
    assert!(
        err.to_string()
            .starts_with("cannot parse the file as HCL: "),
        "{err}"
    );
}

#[test]
fn text_that_terraform_reads_as_heredoc_content_is_never_edited() {
    // For Terraform, `a` is an empty heredoc and `b` a heredoc holding the next four lines. The
    // parser amiroll uses runs `a` on to line 4 and then takes `staging_ami` for an attribute.
    let input = "a = <<EOT\nEOT\nb = <<EOF\nEOT\nstaging_ami = \"ami-cad827b7\"\nc = <<EOF\nEOF\n";
    let err = set(input, &address("staging_ami"), &ami(NEW)).unwrap_err();
    let HclError::Parse { location, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*location, Location { line: 1, column: 5 });
    assert!(message.contains("heredoc"), "{message}");
}

#[test]
fn written_files_are_replaced_whole_and_keep_their_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clusters.tf");
    let input = fixture("clusters.tf");
    fs::write(&path, &input).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
    }

    let edit = set_and_check(&input, "module.staging_cluster.instance_image_id", NEW);
    write_atomically(&path, edit.output.as_bytes()).unwrap();

    assert_eq!(fs::read_to_string(&path).unwrap(), edit.output);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o664
        );
    }
    let leftovers = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "a temporary file was left behind");
}
