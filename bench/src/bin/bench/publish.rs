//! The report file, BENCHMARKS.md, and how a run's part gets into it. The
//! generated section ends at the marker line; everything after the marker
//! (the prose people write) is kept byte for byte. The side-by-side run
//! writes the section's top; each other run (`--concurrency`,
//! `--streaming`, `--typed`, `--orders`) writes only its own part, between
//! markers of its own at the end of the generated section, and every run
//! keeps the others' parts. Pure, but for `read` and `publish`.

use std::path::Path;

/// The line that ends the generated section.
pub const MARKER: &str = "<!-- end of generated section -->";
/// The line that starts the Concurrency part, above `MARKER`.
pub const CONCURRENCY_BEGIN: &str = "<!-- concurrency: rewritten by bench/run.sh --concurrency -->";
/// The line that ends it.
pub const CONCURRENCY_END: &str = "<!-- end of concurrency -->";
/// The line that starts the Streaming part, above `MARKER`.
pub const STREAMING_BEGIN: &str = "<!-- streaming: rewritten by bench/run.sh --streaming -->";
/// The line that ends it.
pub const STREAMING_END: &str = "<!-- end of streaming -->";
/// The line that starts the Typed events part, above `MARKER`.
pub const TYPED_BEGIN: &str = "<!-- typed: rewritten by bench/run.sh --typed -->";
/// The line that ends it.
pub const TYPED_END: &str = "<!-- end of typed -->";
/// The line that starts the Orders part, above `MARKER`.
pub const ORDERS_BEGIN: &str = "<!-- orders: rewritten by bench/run.sh --orders -->";
/// The line that ends it.
pub const ORDERS_END: &str = "<!-- end of orders -->";

/// The parts other runs write, by their markers, in the order a fresh file
/// gets them.
const PARTS: [(&str, &str); 4] = [
    (CONCURRENCY_BEGIN, CONCURRENCY_END),
    (STREAMING_BEGIN, STREAMING_END),
    (TYPED_BEGIN, TYPED_END),
    (ORDERS_BEGIN, ORDERS_END),
];

/// `generated`, the marker, and whatever `existing` had after its marker.
/// A file without a marker keeps all its text below it: nothing written by
/// hand is lost. `existing`'s parts of the other runs (`PARTS`) follow
/// `generated` unchanged.
pub fn merge(existing: &str, generated: &str) -> String {
    let mut generated = generated.to_string();
    if let Some((head, _)) = existing.split_once(MARKER) {
        let mut kept: Vec<(usize, &str)> = PARTS
            .iter()
            .filter(|(begin, _)| !generated.contains(begin))
            .filter_map(|&(begin, end)| part(head, begin, end))
            .map(|(start, end)| (start, &head[start..end]))
            .collect();
        kept.sort();
        for (_, part) in kept {
            generated = format!("{}\n\n{part}", generated.trim_end());
        }
    }
    let tail = match existing.split_once(MARKER) {
        Some((_, tail)) => tail.to_string(),
        None if existing.trim().is_empty() => {
            "\n\n## What the gap to the floor is made of\n\n(written by hand; kept across runs)\n"
                .to_string()
        }
        None => format!("\n\n{existing}"),
    };
    format!("{}\n\n{MARKER}{tail}", generated.trim_end())
}

/// `existing` with its Concurrency part replaced by `section` (which has
/// the part's markers), or, if it has none, with `section` at the end of
/// the generated part, just above the marker. Every other byte is kept.
pub fn merge_concurrency(existing: &str, section: &str) -> String {
    merge_part(existing, section, CONCURRENCY_BEGIN, CONCURRENCY_END)
}

/// The same for the Streaming part.
pub fn merge_streaming(existing: &str, section: &str) -> String {
    merge_part(existing, section, STREAMING_BEGIN, STREAMING_END)
}

/// The same for the Typed events part.
pub fn merge_typed(existing: &str, section: &str) -> String {
    merge_part(existing, section, TYPED_BEGIN, TYPED_END)
}

/// The same for the Orders part.
pub fn merge_orders(existing: &str, section: &str) -> String {
    merge_part(existing, section, ORDERS_BEGIN, ORDERS_END)
}

fn merge_part(existing: &str, section: &str, begin: &str, end: &str) -> String {
    let section = section.trim_end();
    match existing.split_once(MARKER) {
        Some((head, tail)) => match part(head, begin, end) {
            Some((start, end)) => {
                format!("{}{section}{}{MARKER}{tail}", &head[..start], &head[end..])
            }
            None => format!("{}\n\n{section}\n\n{MARKER}{tail}", head.trim_end()),
        },
        None => merge(existing, section),
    }
}

/// Where the part between `begin` and `end` in `head` (the text above the
/// marker) starts and ends, its markers included.
fn part(head: &str, begin: &str, end: &str) -> Option<(usize, usize)> {
    let start = head.find(begin)?;
    let end = start + head[start..].find(end)? + end.len();
    Some((start, end))
}

/// The report file's text; empty when it does not exist yet.
fn read(path: &Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Prints a freshly rendered part, and writes it into the report at `out`
/// (when given) with `merge`, which puts it in its place among the others.
pub fn publish(
    out: Option<&Path>,
    section: &str,
    merge: fn(&str, &str) -> String,
) -> Result<(), String> {
    print!("{section}");
    if let Some(path) = out {
        let existing = read(path)?;
        std::fs::write(path, merge(&existing, section))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BENCHMARKS.md itself: every marker once, each part above the marker
    /// in `PARTS`' order, and a rerun that renders what the file holds
    /// leaves it byte for byte as it is.
    #[test]
    fn benchmarks_md_holds_every_marker_where_the_runs_merge_into_it() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert_eq!(text.matches(MARKER).count(), 1, "{MARKER}");
        let (head, _) = text.split_once(MARKER).unwrap();
        let mut after = 0;
        for (begin, end) in PARTS {
            assert_eq!(text.matches(begin).count(), 1, "{begin}");
            assert_eq!(text.matches(end).count(), 1, "{end}");
            let (start, stop) =
                part(head, begin, end).unwrap_or_else(|| panic!("{begin} not above {MARKER}"));
            assert!(start >= after, "{begin} out of order");
            after = stop;
            assert_eq!(merge_part(&text, &head[start..stop], begin, end), text);
        }
        let top = &head[..head.find(PARTS[0].0).unwrap()];
        assert_eq!(merge(&text, top), text);
    }

    #[test]
    fn merge_keeps_the_text_after_the_marker_byte_for_byte() {
        let existing = format!("# old tables\n\n{MARKER}\n\n## Prose\n\nkept *as is*  \n");
        let merged = merge(&existing, "# new tables\n");
        assert_eq!(
            merged,
            format!("# new tables\n\n{MARKER}\n\n## Prose\n\nkept *as is*  \n")
        );
        assert_eq!(
            merge(&merged, "# newer\n"),
            merged.replace("new tables", "newer")
        );
    }

    #[test]
    fn merge_starts_a_prose_section_or_keeps_an_unmarked_file() {
        let fresh = merge("", "# tables\n");
        assert!(fresh.starts_with(&format!("# tables\n\n{MARKER}")));
        assert!(fresh.contains("## What the gap to the floor is made of"));
        let unmarked = merge("notes by hand\n", "# tables\n");
        assert!(unmarked.ends_with(&format!("{MARKER}\n\nnotes by hand\n")));
    }

    #[test]
    fn the_concurrency_part_is_inserted_replaced_and_kept() {
        let part = |text: &str| format!("{CONCURRENCY_BEGIN}\n{text}\n{CONCURRENCY_END}\n");
        let prose = "\n\n## Prose\n\nkept *as is*  \n";
        let file = format!("# tables\n\n{MARKER}{prose}");
        let inserted = merge_concurrency(&file, &part("first"));
        assert_eq!(
            inserted,
            format!(
                "# tables\n\n{}\n\n{MARKER}{prose}",
                part("first").trim_end()
            )
        );
        let replaced = merge_concurrency(&inserted, &part("second"));
        assert_eq!(replaced, inserted.replace("first", "second"));
        // The side-by-side run keeps it, after its own tables.
        let rerun = merge(&replaced, "# new tables\n");
        assert_eq!(rerun, replaced.replace("# tables", "# new tables"));
        // Markers quoted in the prose below the marker are not the part.
        let quoted = format!("# tables\n\n{MARKER}\n\n{}", part("prose"));
        let merged = merge_concurrency(&quoted, &part("new"));
        assert!(merged.ends_with(&format!("{MARKER}\n\n{}", part("prose"))));
        assert!(merged.starts_with(&format!("# tables\n\n{}", part("new"))));
        // An empty file gets the part, the marker and a prose section.
        let fresh = merge_concurrency("", &part("only"));
        assert!(fresh.starts_with(&format!("{}\n\n{MARKER}", part("only").trim_end())));
    }

    #[test]
    fn the_streaming_part_is_inserted_replaced_and_kept_with_the_concurrency_part() {
        let streaming = |text: &str| format!("{STREAMING_BEGIN}\n{text}\n{STREAMING_END}\n");
        let concurrency = format!("{CONCURRENCY_BEGIN}\nconcurrent\n{CONCURRENCY_END}");
        let prose = "\n\n## Prose\n\nkept *as is*  \n";
        let file = format!("# tables\n\n{concurrency}\n\n{MARKER}{prose}");
        let inserted = merge_streaming(&file, &streaming("first"));
        let both = format!(
            "# tables\n\n{concurrency}\n\n{}\n\n{MARKER}{prose}",
            streaming("first").trim_end()
        );
        assert_eq!(inserted, both);
        let replaced = merge_streaming(&inserted, &streaming("second"));
        assert_eq!(replaced, inserted.replace("first", "second"));
        assert_eq!(merge_concurrency(&replaced, &concurrency), replaced);
        // The side-by-side run keeps both, in their order.
        let rerun = merge(&replaced, "# new tables\n");
        assert_eq!(rerun, replaced.replace("# tables", "# new tables"));
    }

    #[test]
    fn the_typed_part_is_inserted_replaced_and_kept_by_the_other_runs() {
        let typed = |text: &str| format!("{TYPED_BEGIN}\n{text}\n{TYPED_END}\n");
        let streaming = format!("{STREAMING_BEGIN}\nstreamed\n{STREAMING_END}");
        let prose = "\n\n## Prose\n\nkept\n";
        let file = format!("# tables\n\n{streaming}\n\n{MARKER}{prose}");
        let inserted = merge_typed(&file, &typed("first"));
        let expected = format!(
            "# tables\n\n{streaming}\n\n{}\n\n{MARKER}{prose}",
            typed("first").trim_end()
        );
        assert_eq!(inserted, expected);
        let replaced = merge_typed(&inserted, &typed("second"));
        assert_eq!(replaced, inserted.replace("first", "second"));
        assert_eq!(merge_streaming(&replaced, &streaming), replaced);
        let rerun = merge(&replaced, "# new tables\n");
        assert_eq!(rerun, replaced.replace("# tables", "# new tables"));
    }

    #[test]
    fn the_orders_part_is_inserted_replaced_and_kept_by_the_other_runs() {
        let orders = |text: &str| format!("{ORDERS_BEGIN}\n{text}\n{ORDERS_END}\n");
        let typed = format!("{TYPED_BEGIN}\ntyped\n{TYPED_END}");
        let prose = "\n\n## Prose\n\nkept\n";
        let file = format!("# tables\n\n{typed}\n\n{MARKER}{prose}");
        let inserted = merge_orders(&file, &orders("first"));
        let expected = format!(
            "# tables\n\n{typed}\n\n{}\n\n{MARKER}{prose}",
            orders("first").trim_end()
        );
        assert_eq!(inserted, expected);
        let replaced = merge_orders(&inserted, &orders("second"));
        assert_eq!(replaced, inserted.replace("first", "second"));
        assert_eq!(merge_typed(&replaced, &typed), replaced);
        let rerun = merge(&replaced, "# new tables\n");
        assert_eq!(rerun, replaced.replace("# tables", "# new tables"));
    }
}
