//! Atlantis executes any comment whose first word is `atlantis` or `run` (and answers near-misses),
//! whoever posts it, amiroll included. Every comment amiroll posts passes through [`is_safe_comment`].

/// Whether Atlantis would read `body` as a command (or a near-miss of one). Atlantis trims
/// whitespace and backticks, ignores multi-line comments, and reads the first word lower-cased;
/// amiroll is stricter and looks at the first line of every comment, single- or multi-line.
pub fn is_safe_comment(body: &str) -> bool {
    let first_line = body
        .trim_start_matches(|c: char| c.is_whitespace() || c == '`')
        .lines()
        .next()
        .unwrap_or("");
    let first_word = first_line
        .split(|c: char| c.is_whitespace() || c == '`')
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_lowercase();
    if first_word.is_empty() {
        return true;
    }
    !(first_word == "run"
        || first_word.starts_with('@')
        || first_word.starts_with("atlantis")
        || edit_distance(&first_word, "atlantis") <= 2)
}

/// Whether Atlantis would run `body` as `atlantis apply`: a single-line comment (Atlantis ignores
/// multi-line ones) whose first words, after trimming whitespace and backticks, are `atlantis apply`.
pub fn is_apply_request(body: &str) -> bool {
    let body = body.trim_matches(|c: char| c.is_whitespace() || c == '`');
    if body.contains('\n') {
        return false;
    }
    let mut words = body.split_whitespace().map(str::to_lowercase);
    words.next().as_deref() == Some("atlantis") && words.next().as_deref() == Some("apply")
}

/// Levenshtein distance, small inputs only (the first word of a comment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atlantis_commands_and_near_misses_are_unsafe() {
        for body in [
            "atlantis apply",
            "Atlantis plan -p apps",
            "  `atlantis apply`",
            "run apply",
            "RUN plan",
            "atlantus apply",
            "atlants apply",
            "atalntis apply",
            "@cob-digital-atlantis apply",
            "atlantis\nwith more lines",
            "atlantisapply",
            "Atlantis will refuse this",
        ] {
            assert!(!is_safe_comment(body), "{body:?} was judged safe");
        }
    }

    #[test]
    fn apply_requests_are_recognised_as_atlantis_parses_them() {
        for body in [
            "atlantis apply",
            "  Atlantis apply -p apps\n",
            "`atlantis apply`",
            "atlantis apply -d apps -w default",
        ] {
            assert!(is_apply_request(body), "{body:?}");
        }
        for body in [
            "atlantis plan",
            "please atlantis apply",
            "atlantis apply\nthanks",
            "atlantisapply",
            "atlantis",
            "",
        ] {
            assert!(!is_apply_request(body), "{body:?}");
        }
    }

    #[test]
    fn ordinary_comments_are_safe() {
        for body in [
            "",
            "<!-- amiroll:checklist -->\n- [ ] atlantis apply",
            "Heads up: Atlantis will refuse `atlantis apply` here.\nStaging first.",
            "amiroll: production waits for staging",
            "running tasks moved",
            "The gate is red",
        ] {
            assert!(is_safe_comment(body), "{body:?} was judged unsafe");
        }
    }
}
