//! The values that cross the storage boundary: one parameter and column type
//! for both backends, so a statement and its row decoding are written once.

use super::DbError;

/// A parameter or a column value, in SQLite's storage classes (PostgreSQL's
/// BIGINT, TEXT and BYTEA columns map onto them one to one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Integer(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Integer(_) => "an integer",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
        }
    }
}

/// A Rust value a statement takes as a parameter. Implemented for references
/// too, so `params!` borrows its arguments as rusqlite's did.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Integer(*self)
    }
}

impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::Integer((*self).into())
    }
}

impl ToValue for u32 {
    fn to_value(&self) -> Value {
        Value::Integer((*self).into())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer((*self).into())
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// Parameters for a statement: `params![user, now]`.
macro_rules! params {
    () => {
        &[] as &[$crate::db::Value]
    };
    ($($value:expr),+ $(,)?) => {
        &[$($crate::db::ToValue::to_value(&$value)),+] as &[$crate::db::Value]
    };
}
pub(crate) use params;

/// One result row, decoded from either backend.
#[derive(Debug, Clone)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub(super) fn new(values: Vec<Value>) -> Self {
        Self { values }
    }

    pub fn get<T: FromValue>(&self, column: usize) -> Result<T, DbError> {
        let value = self.values.get(column).ok_or(DbError::Decode {
            column,
            expected: "a column",
            found: "no such column",
        })?;
        T::from_value(value).ok_or(DbError::Decode {
            column,
            expected: T::EXPECTED,
            found: value.kind(),
        })
    }
}

/// A Rust type a column decodes into.
pub trait FromValue: Sized {
    const EXPECTED: &'static str;
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Integer(number) => Some(*number),
            _ => None,
        }
    }
}

impl FromValue for u32 {
    const EXPECTED: &'static str = "a small non-negative integer";
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).and_then(|number| u32::try_from(number).ok())
    }
}

impl FromValue for bool {
    const EXPECTED: &'static str = "a boolean (0 or 1)";
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(|number| number != 0)
    }
}

impl FromValue for String {
    const EXPECTED: &'static str = "text";
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(text) => Some(text.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    const EXPECTED: &'static str = "a blob";
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Blob(bytes) => Some(bytes.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_column_of_the_wrong_kind_is_a_decode_error_naming_it() {
        let row = Row::new(vec![Value::Text("x".into()), Value::Null]);
        assert_eq!(row.get::<String>(0).unwrap(), "x");
        assert_eq!(row.get::<Option<i64>>(1).unwrap(), None);
        let error = row.get::<i64>(0).unwrap_err().to_string();
        assert!(
            error.contains("column 0") && error.contains("integer"),
            "{error}"
        );
        assert!(row.get::<i64>(5).is_err());
    }

    #[test]
    fn params_take_options_and_borrowed_values() {
        let name = String::from("alice");
        let none: Option<&str> = None;
        let values = params![&name, 3_i64, none, true, &b"k"[..]];
        assert_eq!(
            values,
            &[
                Value::Text("alice".into()),
                Value::Integer(3),
                Value::Null,
                Value::Integer(1),
                Value::Blob(b"k".to_vec())
            ]
        );
    }
}
