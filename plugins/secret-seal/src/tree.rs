//! The document tree sops works on: ordered branches of keys and values, with comments as items.
//!
//! Order matters: the MAC covers values in walk order, and the AAD of every value is its key path.

use zeroize::Zeroize;

/// A YAML/JSON comment. `inline` comments trailed a value on its line (`k: v # c`) and are
/// stored *before* the item they trail, as sops stores them (spec §2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub text: String,
    pub inline: bool,
}

/// A YAML timestamp, kept as the RFC3339Nano text Go's `time.MarshalText` gives for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timestamp(pub String);

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// Bytes that are not UTF-8 (only the binary store produces them); sops types them `str`.
    Bytes(Vec<u8>),
    Time(Timestamp),
    Map(Branch),
    Seq(Vec<Value>),
    /// A comment inside a sequence (comments in mappings are [`Key::Comment`] items).
    Comment(Comment),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Name(String),
    Comment(Comment),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: Key,
    pub value: Value,
}

impl Item {
    pub fn entry(key: impl Into<String>, value: Value) -> Self {
        Item {
            key: Key::Name(key.into()),
            value,
        }
    }

    pub fn comment(text: impl Into<String>, inline: bool) -> Self {
        Item {
            key: Key::Comment(Comment {
                text: text.into(),
                inline,
            }),
            value: Value::Null,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match &self.key {
            Key::Name(n) => Some(n),
            Key::Comment(_) => None,
        }
    }
}

/// An ordered mapping. Duplicate keys are possible (JSON keeps them, as sops does).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Branch(pub Vec<Item>);

impl Branch {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|i| i.name() == Some(key))
            .map(|i| &i.value)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0
            .iter_mut()
            .find(|i| i.name() == Some(key))
            .map(|i| &mut i.value)
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().position(|i| i.name() == Some(key))?;
        Some(self.0.remove(at).value)
    }

    pub fn push(&mut self, key: impl Into<String>, value: Value) {
        self.0.push(Item::entry(key, value));
    }

    /// Entries only, comments skipped.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0
            .iter()
            .filter_map(|i| i.name().map(|n| (n, &i.value)))
    }
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) | Value::Bytes(_) => "str",
            Value::Time(_) => "time",
            Value::Map(_) => "map",
            Value::Seq(_) => "list",
            Value::Comment(_) => "comment",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Zeroize for Value {
    fn zeroize(&mut self) {
        match self {
            Value::Str(s) => s.zeroize(),
            Value::Bytes(b) => b.zeroize(),
            Value::Time(t) => t.0.zeroize(),
            Value::Comment(c) => c.text.zeroize(),
            Value::Int(i) => *i = 0,
            Value::Float(f) => *f = 0.0,
            Value::Bool(b) => *b = false,
            Value::Map(b) => b.zeroize(),
            Value::Seq(items) => items.iter_mut().for_each(Zeroize::zeroize),
            Value::Null => {}
        }
    }
}

impl Zeroize for Branch {
    fn zeroize(&mut self) {
        for item in &mut self.0 {
            if let Key::Comment(c) = &mut item.key {
                c.text.zeroize();
            }
            item.value.zeroize();
        }
    }
}

/// One branch per YAML document; every other store has exactly one.
/// Plaintext trees are wiped when dropped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tree {
    pub branches: Vec<Branch>,
}

impl Drop for Tree {
    fn drop(&mut self) {
        self.branches.iter_mut().for_each(Zeroize::zeroize);
    }
}
