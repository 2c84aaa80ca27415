//! The `validation {}` blocks of a variable, evaluated for the value an environment gives it, as
//! tofu evaluates them at plan time: the operators, conditionals, `var.<name>` traversals and the
//! functions validations commonly use (length, contains, regex/regexall, can/try, startswith,
//! endswith, alltrue/anytrue, lower/upper, trimspace, tonumber/tostring, keys/values). A condition
//! that needs anything else is skipped and said to be, never reported as a failure.

use hcl::expr::{
    BinaryOperator, Expression, ObjectKey, Operation, TraversalOperator, UnaryOperator,
};
use hcl::{Number, Value as V};
use unicode_segmentation::UnicodeSegmentation;

use crate::value::Value;

/// One `validation` block.
#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expression,
    pub error_message: String,
    /// Line of the block's `condition` in the variable's file.
    pub line: usize,
}

/// What a condition says of a value.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Pass,
    /// False, or an error tofu would report (a failed `regex` outside `can`).
    Fail(Option<String>),
    /// Needs something this evaluator does not do (the function named).
    Skipped(String),
}

enum Stop {
    Unsupported(String),
    Error(String),
}

type Eval = Result<V, Stop>;

fn error<T>(message: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Error(message.into()))
}

/// Evaluates the condition with `var.<name>` set to `value`.
pub fn evaluate(v: &Validation, name: &str, value: &Value) -> Outcome {
    let scope = Scope {
        name,
        value: to_hcl(value),
    };
    match scope.eval(&v.condition) {
        Ok(V::Bool(true)) => Outcome::Pass,
        Ok(V::Bool(false)) => Outcome::Fail(None),
        Ok(other) => Outcome::Fail(Some(format!(
            "the condition is {}, not a bool",
            kind(&other)
        ))),
        Err(Stop::Error(e)) => Outcome::Fail(Some(e)),
        Err(Stop::Unsupported(what)) => Outcome::Skipped(what),
    }
}

fn to_hcl(v: &Value) -> V {
    match v {
        Value::Null => V::Null,
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => n
            .parse::<i64>()
            .map(|i| V::Number(Number::from(i)))
            .or_else(|_| {
                n.parse::<f64>()
                    .map(|f| Number::from_f64(f).map_or(V::Null, V::Number))
            })
            .unwrap_or(V::Null),
        Value::String(s) => V::String(s.clone()),
        Value::Tuple(items) => V::Array(items.iter().map(|i| to_hcl(&i.value)).collect()),
        Value::Object(entries) => V::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_hcl(&v.value)))
                .collect(),
        ),
    }
}

fn kind(v: &V) -> &'static str {
    match v {
        V::Null => "null",
        V::Bool(_) => "a bool",
        V::Number(_) => "a number",
        V::String(_) => "a string",
        V::Array(_) => "a list",
        V::Object(_) => "an object",
    }
}

fn number(v: &V) -> Result<f64, Stop> {
    match v {
        V::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        V::String(s) => s
            .parse()
            .or_else(|_| error(format!("a number is required, not {s:?}"))),
        other => error(format!("a number is required, not {}", kind(other))),
    }
}

fn string(v: &V) -> Result<String, Stop> {
    match v {
        V::String(s) => Ok(s.clone()),
        V::Number(n) => Ok(n.to_string()),
        V::Bool(b) => Ok(b.to_string()),
        other => error(format!("a string is required, not {}", kind(other))),
    }
}

fn boolean(v: &V) -> Result<bool, Stop> {
    match v {
        V::Bool(b) => Ok(*b),
        V::String(s) if s == "true" || s == "false" => Ok(s == "true"),
        other => error(format!("a bool is required, not {}", kind(other))),
    }
}

fn num(f: f64) -> V {
    if f.fract() == 0.0 && f.abs() < 9e15 {
        V::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f).map_or(V::Null, V::Number)
    }
}

/// tofu compares numbers by value (`1 == 1.0`), everything else structurally.
fn equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Number(x), V::Number(y)) => x.as_f64() == y.as_f64(),
        (V::Array(x), V::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        _ => a == b,
    }
}

/// The operands and operators of a chain of binary operations, in source order.
fn binary_chain(b: &hcl::expr::BinaryOp) -> (Vec<&Expression>, Vec<BinaryOperator>) {
    let mut operands = vec![&b.lhs_expr];
    let mut ops = vec![b.operator];
    let mut rest = &b.rhs_expr;
    while let Expression::Operation(op) = rest {
        let Operation::Binary(next) = op.as_ref() else {
            break;
        };
        operands.push(&next.lhs_expr);
        ops.push(next.operator);
        rest = &next.rhs_expr;
    }
    operands.push(rest);
    (operands, ops)
}

/// HCL's operator precedence, highest first: `* / %`, `+ -`, comparisons, equality, `&&`, `||`.
fn precedence(op: BinaryOperator) -> u8 {
    use BinaryOperator as B;
    match op {
        B::Mul | B::Div | B::Mod => 6,
        B::Plus | B::Minus => 5,
        B::Less | B::LessEq | B::Greater | B::GreaterEq => 4,
        B::Eq | B::NotEq => 3,
        B::And => 2,
        B::Or => 1,
    }
}

fn apply(op: BinaryOperator, l: V, r: V) -> Eval {
    use BinaryOperator as B;
    Ok(match op {
        B::Eq => V::Bool(equal(&l, &r)),
        B::NotEq => V::Bool(!equal(&l, &r)),
        B::And => V::Bool(boolean(&l)? && boolean(&r)?),
        B::Or => V::Bool(boolean(&l)? || boolean(&r)?),
        B::Less => V::Bool(number(&l)? < number(&r)?),
        B::LessEq => V::Bool(number(&l)? <= number(&r)?),
        B::Greater => V::Bool(number(&l)? > number(&r)?),
        B::GreaterEq => V::Bool(number(&l)? >= number(&r)?),
        B::Plus => num(number(&l)? + number(&r)?),
        B::Minus => num(number(&l)? - number(&r)?),
        B::Mul => num(number(&l)? * number(&r)?),
        B::Div => num(number(&l)? / number(&r)?),
        B::Mod => num(number(&l)? % number(&r)?),
    })
}

struct Scope<'a> {
    name: &'a str,
    value: V,
}

impl Scope<'_> {
    fn eval(&self, e: &Expression) -> Eval {
        match e {
            Expression::Null => Ok(V::Null),
            Expression::Bool(b) => Ok(V::Bool(*b)),
            Expression::Number(n) => Ok(V::Number(*n)),
            Expression::String(s) => Ok(V::String(s.clone())),
            Expression::Array(items) => items
                .iter()
                .map(|i| self.eval(i))
                .collect::<Result<Vec<_>, _>>()
                .map(V::Array),
            Expression::Object(o) => {
                let mut out = hcl::Map::new();
                for (k, v) in o {
                    let key = match k {
                        ObjectKey::Identifier(i) => i.to_string(),
                        ObjectKey::Expression(e) => string(&self.eval(e)?)?,
                        _ => return Err(Stop::Unsupported("this object key".into())),
                    };
                    out.insert(key, self.eval(v)?);
                }
                Ok(V::Object(out))
            }
            Expression::Parenthesis(inner) => self.eval(inner),
            Expression::Traversal(t) => {
                let mut value = match (&t.expr, t.operators.first()) {
                    (Expression::Variable(v), Some(TraversalOperator::GetAttr(attr)))
                        if v.as_str() == "var" =>
                    {
                        if attr.as_str() != self.name {
                            return Err(Stop::Unsupported(format!(
                                "var.{attr} (another variable)"
                            )));
                        }
                        self.value.clone()
                    }
                    (Expression::Variable(v), _) => {
                        return Err(Stop::Unsupported(format!("{}.* references", v.as_str())));
                    }
                    _ => {
                        let base = self.eval(&t.expr)?;
                        return t.operators.iter().try_fold(base, |v, op| self.step(v, op));
                    }
                };
                for op in &t.operators[1..] {
                    value = self.step(value, op)?;
                }
                Ok(value)
            }
            Expression::Variable(v) => Err(Stop::Unsupported(format!("the name {}", v.as_str()))),
            Expression::Conditional(c) => {
                if boolean(&self.eval(&c.cond_expr)?)? {
                    self.eval(&c.true_expr)
                } else {
                    self.eval(&c.false_expr)
                }
            }
            Expression::Operation(op) => self.operation(op),
            Expression::FuncCall(f) => {
                if !f.name.namespace.is_empty() || f.expand_final {
                    return Err(Stop::Unsupported(format!("the function {}", f.name.name)));
                }
                self.call(f.name.name.as_str(), &f.args)
            }
            Expression::TemplateExpr(_) => Err(Stop::Unsupported("string templates".into())),
            Expression::ForExpr(_) => Err(Stop::Unsupported("for expressions".into())),
            _ => Err(Stop::Unsupported("this expression".into())),
        }
    }

    fn step(&self, v: V, op: &TraversalOperator) -> Eval {
        match (op, v) {
            (TraversalOperator::GetAttr(a), V::Object(o)) => o
                .get(a.as_str())
                .cloned()
                .map_or_else(|| error(format!("no attribute {a:?}")), Ok),
            (TraversalOperator::Index(i), V::Object(o)) => {
                let key = string(&self.eval(i)?)?;
                o.get(&key)
                    .cloned()
                    .map_or_else(|| error(format!("no key {key:?}")), Ok)
            }
            (TraversalOperator::Index(i), V::Array(items)) => {
                let at = number(&self.eval(i)?)?;
                items
                    .get(at as usize)
                    .filter(|_| at >= 0.0)
                    .cloned()
                    .map_or_else(|| error(format!("index {at} out of range")), Ok)
            }
            (TraversalOperator::LegacyIndex(at), V::Array(items)) => items
                .get(*at as usize)
                .cloned()
                .map_or_else(|| error(format!("index {at} out of range")), Ok),
            (TraversalOperator::AttrSplat | TraversalOperator::FullSplat, _) => {
                Err(Stop::Unsupported("splat expressions".into()))
            }
            (_, other) => error(format!("cannot index {}", kind(&other))),
        }
    }

    fn operation(&self, op: &Operation) -> Eval {
        match op {
            Operation::Unary(u) => {
                let v = self.eval(&u.expr)?;
                match u.operator {
                    UnaryOperator::Not => Ok(V::Bool(!boolean(&v)?)),
                    UnaryOperator::Neg => Ok(num(-number(&v)?)),
                }
            }
            Operation::Binary(b) => {
                // hcl-rs nests a chain of binary operators to the right whatever their
                // precedence (`a >= 1 && a <= 9` reads as `a >= (1 && (a <= 9))`): the chain is
                // taken apart and combined again by HCL's precedence, left to right. Both sides
                // are evaluated, as tofu does.
                let (operands, ops) = binary_chain(b);
                let mut values: Vec<V> = operands
                    .iter()
                    .map(|e| self.eval(e))
                    .collect::<Result<_, _>>()?;
                let mut ops = ops;
                for level in (1..=6).rev() {
                    let mut i = 0;
                    while i < ops.len() {
                        if precedence(ops[i]) == level {
                            let r = values.remove(i + 1);
                            let l = std::mem::replace(&mut values[i], V::Null);
                            values[i] = apply(ops.remove(i), l, r)?;
                        } else {
                            i += 1;
                        }
                    }
                }
                Ok(values.pop().unwrap_or(V::Null))
            }
        }
    }

    fn call(&self, name: &str, args: &[Expression]) -> Eval {
        // can() and try() look at whether their arguments evaluate: they take them unevaluated.
        match name {
            "can" => {
                let [arg] = args else {
                    return error("can takes one argument");
                };
                return match self.eval(arg) {
                    Ok(_) => Ok(V::Bool(true)),
                    Err(Stop::Error(_)) => Ok(V::Bool(false)),
                    Err(unsupported) => Err(unsupported),
                };
            }
            "try" => {
                for arg in args {
                    match self.eval(arg) {
                        Ok(v) => return Ok(v),
                        Err(Stop::Error(_)) => continue,
                        Err(unsupported) => return Err(unsupported),
                    }
                }
                return error("no argument of try could be evaluated");
            }
            _ => {}
        }
        let a: Vec<V> = args
            .iter()
            .map(|e| self.eval(e))
            .collect::<Result<_, _>>()?;
        let arity = |n: usize| {
            if a.len() == n {
                Ok(())
            } else {
                error(format!("{name} takes {n} argument(s), not {}", a.len()))
            }
        };
        match name {
            "length" => {
                arity(1)?;
                Ok(num(match &a[0] {
                    // tofu counts a string's characters as grapheme clusters.
                    V::String(s) => s.graphemes(true).count(),
                    V::Array(items) => items.len(),
                    V::Object(o) => o.len(),
                    other => return error(format!("length of {}", kind(other))),
                } as f64))
            }
            "contains" => {
                arity(2)?;
                let V::Array(items) = &a[0] else {
                    return error("contains takes a list first");
                };
                Ok(V::Bool(items.iter().any(|i| equal(i, &a[1]))))
            }
            "regex" | "regexall" => {
                arity(2)?;
                let pattern = string(&a[0])?;
                let text = string(&a[1])?;
                let re = regex::Regex::new(&pattern)
                    .or_else(|e| error(format!("invalid regular expression {pattern:?}: {e}")))?;
                let as_value = |c: regex::Captures| match c.len() {
                    1 => V::String(c[0].to_string()),
                    _ => V::Array(
                        c.iter()
                            .skip(1)
                            .map(|m| m.map_or(V::Null, |m| V::String(m.as_str().into())))
                            .collect(),
                    ),
                };
                if name == "regexall" {
                    return Ok(V::Array(re.captures_iter(&text).map(as_value).collect()));
                }
                match re.captures(&text) {
                    Some(c) => Ok(as_value(c)),
                    None => error("pattern did not match any part of the given string"),
                }
            }
            "startswith" | "endswith" => {
                arity(2)?;
                let (s, affix) = (string(&a[0])?, string(&a[1])?);
                Ok(V::Bool(if name == "startswith" {
                    s.starts_with(&affix)
                } else {
                    s.ends_with(&affix)
                }))
            }
            "alltrue" | "anytrue" => {
                arity(1)?;
                let V::Array(items) = &a[0] else {
                    return error(format!("{name} takes a list"));
                };
                let bools = items.iter().map(boolean).collect::<Result<Vec<_>, _>>()?;
                Ok(V::Bool(if name == "alltrue" {
                    bools.iter().all(|b| *b)
                } else {
                    bools.iter().any(|b| *b)
                }))
            }
            "lower" | "upper" | "trimspace" | "tostring" => {
                arity(1)?;
                if name == "tostring" && matches!(a[0], V::Null) {
                    return Ok(V::Null);
                }
                let s = string(&a[0])?;
                Ok(V::String(match name {
                    "lower" => s.to_lowercase(),
                    "upper" => s.to_uppercase(),
                    "trimspace" => s.trim().to_string(),
                    _ => s,
                }))
            }
            "tonumber" => {
                arity(1)?;
                if matches!(a[0], V::Null) {
                    return Ok(V::Null);
                }
                Ok(num(number(&a[0])?))
            }
            "keys" | "values" => {
                arity(1)?;
                let V::Object(o) = &a[0] else {
                    return error(format!("{name} takes a map"));
                };
                // cty sorts a map's keys.
                let mut entries: Vec<(&String, &V)> = o.iter().collect();
                entries.sort_by(|x, y| x.0.cmp(y.0));
                Ok(V::Array(
                    entries
                        .into_iter()
                        .map(|(k, v)| {
                            if name == "keys" {
                                V::String(k.clone())
                            } else {
                                v.clone()
                            }
                        })
                        .collect(),
                ))
            }
            other => Err(Stop::Unsupported(format!("the function {other}()"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(condition: &str, value: Value) -> Outcome {
        let body: hcl::Body = hcl::from_str(&format!("c = {condition}\n")).unwrap();
        let condition = body.attributes().next().unwrap().expr.clone();
        let v = Validation {
            condition,
            error_message: String::new(),
            line: 1,
        };
        evaluate(&v, "x", &value)
    }

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn the_conditions_validations_use() {
        let n = |x: &str| Value::Number(x.into());
        assert_eq!(outcome("var.x >= 1", n("0")), Outcome::Fail(None));
        assert_eq!(outcome("var.x >= 1 && var.x <= 10", n("3")), Outcome::Pass);
        assert_eq!(
            outcome("length(var.x) >= 16", s("short")),
            Outcome::Fail(None)
        );
        assert_eq!(
            outcome("length(var.x) == 2", s("e\u{301}\u{1F600}")),
            Outcome::Pass
        );
        assert_eq!(
            outcome("contains([\"debug\", \"info\"], var.x)", s("info")),
            Outcome::Pass
        );
        assert_eq!(
            outcome("can(regex(\"^[a-z]+$\", var.x))", s("Abc")),
            Outcome::Fail(None)
        );
        assert_eq!(
            outcome("can(regex(\"^[a-z]+$\", var.x))", s("abc")),
            Outcome::Pass
        );
        assert!(matches!(
            outcome("regex(\"^a\", var.x) == \"a\"", s("b")),
            Outcome::Fail(Some(_))
        ));
        assert_eq!(
            outcome(
                "startswith(var.x, \"eu-\") || endswith(var.x, \"-1\")",
                s("us-east-1")
            ),
            Outcome::Pass
        );
        assert_eq!(
            outcome("lower(var.x) == var.x", s("Prod")),
            Outcome::Fail(None)
        );
        assert_eq!(outcome("tonumber(var.x) > 2", s("3")), Outcome::Pass);
        assert_eq!(
            outcome("var.x == null ? true : var.x > 0", Value::Null),
            Outcome::Pass
        );
        let tags = Value::Object(vec![
            ("team".into(), crate::value::Located::nowhere(s("a"))),
            ("env".into(), crate::value::Located::nowhere(s("dev"))),
        ]);
        assert_eq!(
            outcome("alltrue([for k in keys(var.x) : k != \"\"])", tags.clone()),
            Outcome::Skipped("for expressions".into())
        );
        assert_eq!(
            outcome("contains(keys(var.x), \"team\")", tags.clone()),
            Outcome::Pass
        );
        assert_eq!(outcome("var.x[\"env\"] == \"dev\"", tags), Outcome::Pass);
        assert_eq!(
            outcome("cidrhost(var.x, 1) != \"\"", s("10.0.0.0/16")),
            Outcome::Skipped("the function cidrhost()".into())
        );
        assert_eq!(
            outcome("var.y > 0", n("1")),
            Outcome::Skipped("var.y (another variable)".into())
        );
        // Precedence, and left to right.
        assert_eq!(
            outcome("var.x - 2 - 1 == 0 && 2 + 3 * 4 == 14", n("3")),
            Outcome::Pass
        );
        assert_eq!(
            outcome("var.x > 1 || var.x < 0 && false", n("2")),
            Outcome::Pass
        );
    }
}
