//! Values of variables as tofu sees them (hcl_format's literals, with positions), and where they
//! come from besides tfvars: decrypted secrets, JSON var files, defaults in variables.tf.

pub use hcl_format::literal::{parse_tfvars, quote, Assignment, Located, Value};

pub fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.to_string()),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => {
            Value::Tuple(a.iter().map(|v| Located::nowhere(from_json(v))).collect())
        }
        serde_json::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), Located::nowhere(from_json(v))))
                .collect(),
        ),
    }
}

/// A value of secret_seal's tree (a decrypted sealed file).
pub fn from_sealed(v: &secret_seal::Value) -> Value {
    use secret_seal::Value as S;
    match v {
        S::Null | S::Comment(_) => Value::Null,
        S::Bool(b) => Value::Bool(*b),
        S::Int(i) => Value::Number(i.to_string()),
        S::Float(f) => Value::Number(secret_seal::format::float_f(*f)),
        S::Str(s) => Value::String(s.clone()),
        S::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        S::Time(t) => Value::String(t.0.clone()),
        S::Seq(items) => Value::Tuple(
            items
                .iter()
                .filter(|v| !matches!(v, S::Comment(_)))
                .map(|v| Located::nowhere(from_sealed(v)))
                .collect(),
        ),
        S::Map(b) => Value::Object(
            b.entries()
                .map(|(k, v)| (k.to_string(), Located::nowhere(from_sealed(v))))
                .collect(),
        ),
    }
}

/// A literal expression of hcl-rs (variable defaults); `None` for anything computed.
pub fn from_hcl(e: &hcl::Expression) -> Option<Value> {
    use hcl::Expression as E;
    Some(match e {
        E::Null => Value::Null,
        E::Bool(b) => Value::Bool(*b),
        E::Number(n) => Value::Number(n.to_string()),
        E::String(s) => Value::String(s.clone()),
        E::Array(items) => Value::Tuple(
            items
                .iter()
                .map(|v| from_hcl(v).map(Located::nowhere))
                .collect::<Option<_>>()?,
        ),
        E::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        hcl::ObjectKey::Identifier(i) => i.to_string(),
                        hcl::ObjectKey::Expression(E::String(s)) => s.clone(),
                        _ => return None,
                    };
                    Some((key, Located::nowhere(from_hcl(v)?)))
                })
                .collect::<Option<_>>()?,
        ),
        E::Parenthesis(inner) => from_hcl(inner)?,
        E::Operation(op) => match &**op {
            hcl::Operation::Unary(u) if u.operator == hcl::UnaryOperator::Neg => {
                match from_hcl(&u.expr)? {
                    Value::Number(n) => Value::Number(format!("-{n}")),
                    _ => return None,
                }
            }
            _ => return None,
        },
        _ => return None,
    })
}
