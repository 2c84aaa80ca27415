//! Variable types and tofu's conversion rules, applied strictly: what tofu would convert is
//! accepted ("5" for a number), what it would refuse is an error, and an object attribute the
//! type does not declare is an error too, because tofu would silently drop it
//! (hashicorp/terraform#28832).

use crate::value::{Located, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(Vec<Attr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
}

/// A value that does not fit its type: where, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub line: usize,
    pub column: usize,
    /// Path inside the value, e.g. `["team-a"].node_port`.
    pub path: String,
    pub message: String,
}

/// A type expression tofu would not take.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TypeError {
    #[error("unknown type {0:?}")]
    Unknown(String),
    #[error("tuple() takes a list of types")]
    TupleArguments,
    #[error("object attribute names must be names")]
    ObjectAttributeName,
    #[error("object() takes an object of attribute types")]
    ObjectArguments,
    #[error("unknown type constructor {0}()")]
    UnknownConstructor(String),
    #[error("{0}() needs an argument")]
    Arguments(String),
    #[error("unsupported type expression")]
    Unsupported,
}

impl Type {
    /// A type expression of variables.tf, as hcl-rs parsed it.
    pub fn from_hcl(e: &hcl::Expression) -> Result<Type, TypeError> {
        use hcl::Expression as E;
        match e {
            E::Variable(v) => match v.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "any" => Ok(Type::Any),
                // Bare collection keywords mean "of any" (tofu fmt writes them so).
                "list" => Ok(Type::List(Box::new(Type::Any))),
                "map" => Ok(Type::Map(Box::new(Type::Any))),
                "set" => Ok(Type::Set(Box::new(Type::Any))),
                other => Err(TypeError::Unknown(other.to_string())),
            },
            // Pre-0.12 quoted types.
            E::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "list" => Ok(Type::List(Box::new(Type::String))),
                "map" => Ok(Type::Map(Box::new(Type::String))),
                other => Err(TypeError::Unknown(other.to_string())),
            },
            E::FuncCall(f) => {
                let arg = |i: usize| {
                    f.args
                        .get(i)
                        .ok_or_else(|| TypeError::Arguments(f.name.name.to_string()))
                };
                match f.name.name.as_str() {
                    "list" => Ok(Type::List(Box::new(Type::from_hcl(arg(0)?)?))),
                    "set" => Ok(Type::Set(Box::new(Type::from_hcl(arg(0)?)?))),
                    "map" => Ok(Type::Map(Box::new(Type::from_hcl(arg(0)?)?))),
                    "tuple" => match arg(0)? {
                        E::Array(items) => Ok(Type::Tuple(
                            items.iter().map(Type::from_hcl).collect::<Result<_, _>>()?,
                        )),
                        _ => Err(TypeError::TupleArguments),
                    },
                    "object" => match arg(0)? {
                        E::Object(attrs) => {
                            let mut out = Vec::new();
                            for (k, v) in attrs {
                                let name = match k {
                                    hcl::ObjectKey::Identifier(i) => i.to_string(),
                                    hcl::ObjectKey::Expression(E::String(s)) => s.clone(),
                                    _ => return Err(TypeError::ObjectAttributeName),
                                };
                                let (ty, optional) = match v {
                                    E::FuncCall(o) if o.name.name.as_str() == "optional" => (
                                        Type::from_hcl(
                                            o.args
                                                .first()
                                                .ok_or(TypeError::Arguments("optional".into()))?,
                                        )?,
                                        true,
                                    ),
                                    other => (Type::from_hcl(other)?, false),
                                };
                                out.push(Attr { name, ty, optional });
                            }
                            Ok(Type::Object(out))
                        }
                        _ => Err(TypeError::ObjectArguments),
                    },
                    other => Err(TypeError::UnknownConstructor(other.to_string())),
                }
            }
            _ => Err(TypeError::Unsupported),
        }
    }

    pub fn display(&self) -> String {
        match self {
            Type::Any => "any".into(),
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::List(t) => format!("list({})", t.display()),
            Type::Set(t) => format!("set({})", t.display()),
            Type::Map(t) => format!("map({})", t.display()),
            Type::Tuple(ts) => format!(
                "tuple([{}])",
                ts.iter().map(Type::display).collect::<Vec<_>>().join(", ")
            ),
            Type::Object(attrs) => format!(
                "object({{ {} }})",
                attrs
                    .iter()
                    .map(|a| if a.optional {
                        format!("{} = optional({})", a.name, a.ty.display())
                    } else {
                        format!("{} = {}", a.name, a.ty.display())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Checks a value against the type with tofu's conversion rules, collecting every problem.
    pub fn check(&self, v: &Located, path: &str, out: &mut Vec<Mismatch>) {
        macro_rules! bad {
            ($($arg:tt)*) => {
                out.push(Mismatch { line: v.line, column: v.column, path: path.to_string(), message: format!($($arg)*) })
            };
        }
        match (self, &v.value) {
            (_, Value::Null) | (Type::Any, _) => {}
            (Type::String, Value::String(_) | Value::Number(_) | Value::Bool(_)) => {}
            (Type::String, other) => bad!("a string is required, not {}", article(other.kind())),
            (Type::Number, Value::Number(_)) => {}
            (Type::Number, Value::String(s))
                if s.trim() == s && s.parse::<f64>().is_ok_and(f64::is_finite) => {}
            (Type::Number, Value::String(s)) => {
                bad!("a number is required; the string {s:?} is not one")
            }
            (Type::Number, other) => bad!("a number is required, not {}", article(other.kind())),
            (Type::Bool, Value::Bool(_)) => {}
            (Type::Bool, Value::String(s)) if s == "true" || s == "false" => {}
            (Type::Bool, other) => bad!("a bool is required, not {}", article(other.kind())),
            (Type::List(t) | Type::Set(t), Value::Tuple(items)) => {
                for (i, item) in items.iter().enumerate() {
                    t.check(item, &format!("{path}[{i}]"), out);
                }
            }
            (Type::List(_) | Type::Set(_), other) => bad!(
                "a list is required ({}), not {}",
                self.display(),
                article(other.kind())
            ),
            (Type::Tuple(ts), Value::Tuple(items)) => {
                if ts.len() != items.len() {
                    bad!(
                        "a tuple of {} elements is required, not {}",
                        ts.len(),
                        items.len()
                    );
                    return;
                }
                for (i, (t, item)) in ts.iter().zip(items).enumerate() {
                    t.check(item, &format!("{path}[{i}]"), out);
                }
            }
            (Type::Tuple(_), other) => bad!(
                "a tuple is required ({}), not {}",
                self.display(),
                article(other.kind())
            ),
            (Type::Map(t), Value::Object(attrs)) => {
                for (k, item) in attrs {
                    t.check(item, &format!("{path}[{k:?}]"), out);
                }
            }
            (Type::Map(_), other) => bad!(
                "a map is required ({}), not {}",
                self.display(),
                article(other.kind())
            ),
            (Type::Object(decl), Value::Object(attrs)) => {
                for a in decl {
                    match attrs.iter().find(|(k, _)| *k == a.name) {
                        Some((_, item)) => a.ty.check(item, &format!("{path}.{}", a.name), out),
                        None if a.optional => {}
                        None => bad!("attribute {:?} is required", a.name),
                    }
                }
                for (k, item) in attrs {
                    if !decl.iter().any(|a| a.name == *k) {
                        let known = decl
                            .iter()
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ");
                        out.push(Mismatch {
                            line: item.line,
                            column: item.column,
                            path: format!("{path}.{k}"),
                            message: format!("attribute {k:?} is not in the type (tofu would silently drop it); the type has: {known}"),
                        });
                    }
                }
            }
            (Type::Object(_), other) => bad!(
                "an object is required ({}), not {}",
                self.display(),
                article(other.kind())
            ),
        }
    }
}

fn article(kind: &str) -> String {
    match kind {
        "object" => "an object".into(),
        "null" => "null".into(),
        k => format!("a {k}"),
    }
}
