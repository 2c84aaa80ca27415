//! The document flags (`--input-type`, `--output`, `-i`...) as the library's document and target.

use secret_seal::document::{Document, Target};
use secret_seal::Format;

use super::IoArgs;

impl IoArgs {
    pub(super) fn target(&self) -> Target {
        match (&self.output, self.in_place) {
            (_, true) => Target::InPlace,
            (Some(out), false) => Target::File(out.clone()),
            (None, false) => Target::Stdout,
        }
    }

    pub(super) fn read(&self) -> secret_seal::Result<Document> {
        let name = self.filename_override.as_deref();
        Document::read(self.file.as_deref(), name, &self.target())
    }

    pub(super) fn input_format(&self) -> Option<Format> {
        self.input_type.as_deref().map(Format::from_name)
    }

    pub(super) fn output_format(&self) -> Option<Format> {
        self.output_type.as_deref().map(Format::from_name)
    }
}
