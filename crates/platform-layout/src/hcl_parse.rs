//! hcl-rs behind `hcl_format`'s gate. hcl-rs recurses without a limit, so every parse by it goes
//! through here: a file tofu could not parse (one nested deeper than `hcl_format`'s limit among
//! them) is refused by our own parser first, with hclsyntax's message, instead of overflowing the
//! stack in hcl-rs.

/// Why an HCL text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HclError {
    /// tofu itself could not parse it.
    #[error(transparent)]
    Syntax(hcl_format::SyntaxError),
    /// tofu parses it, hcl-rs cannot (or it is not of the shape asked for).
    #[error("{0}")]
    Shape(String),
}

/// The body of an HCL file.
pub fn parse_hcl(text: &str) -> Result<hcl::Body, HclError> {
    hcl_format::check(text).map_err(HclError::Syntax)?;
    hcl::parse(text).map_err(|e| HclError::Shape(e.to_string()))
}

/// An HCL file deserialized into `T`.
pub fn hcl_from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, HclError> {
    hcl_format::check(text).map_err(HclError::Syntax)?;
    hcl::from_str(text).map_err(|e| HclError::Shape(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On the main thread's stack size, as the tools run it (the test threads' is smaller).
    #[test]
    fn a_file_nested_past_the_limit_is_refused_before_hcl_rs_reads_it() {
        let run = || {
            let deep = format!("a = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
            assert!(matches!(parse_hcl(&deep), Err(HclError::Syntax(_))));
            assert!(matches!(
                hcl_from_str::<serde_json::Value>(&deep),
                Err(HclError::Syntax(_))
            ));
        };
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn a_file_tofu_reads_is_parsed() {
        let body = parse_hcl("terraform {\n  backend \"s3\" {}\n}\n").unwrap();
        assert_eq!(body.blocks().count(), 1);
    }
}
