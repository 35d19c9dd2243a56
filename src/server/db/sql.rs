//! SQL assembled from parts, for the statements whose shape depends on the request: a view's
//! filters and sort, a list of ids, a caller's scope, the hierarchy's condition. Text and
//! bound values travel together as parts, and placeholders are numbered (`$1, $2, …`, which
//! both databases accept) only when the statement runs, so fragments built apart combine in
//! any order. No value is ever written into SQL text: [`Sql::push`] takes SQL alone, values go
//! through [`Sql::bind`].
//!
//! Our own type rather than a crate: sqlx's `QueryBuilder` writes `?` placeholders for the
//! Any driver, which PostgreSQL refuses, and sea-query would turn readable SQL into a DSL
//! for the sake of a few dozen statements.

use super::Backend;
use crate::model::{AccountId, CompanyId, RoleId, SessionId, TeamId, UserId};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sqlx::{
    any::{AnyArguments, AnyRow},
    Any, Arguments, Executor, FromRow,
};

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Text(String),
    /// A number or NULL (bound as a number, for PostgreSQL's sake).
    IntOrNull(Option<i64>),
    /// Text or NULL (bound as text, for PostgreSQL's sake).
    TextOrNull(Option<String>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::Text(value.to_string())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::Text(value)
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Value {
        Value::IntOrNull(value)
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Value {
        Value::TextOrNull(value)
    }
}

macro_rules! id_values {
    ($($id:ty),*) => {$(
        impl From<$id> for Value {
            fn from(id: $id) -> Value {
                Value::Int(id.0)
            }
        }
    )*};
}

id_values!(AccountId, CompanyId, RoleId, SessionId, TeamId, UserId);

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Value(Value),
}

/// A statement, or a fragment of one (a condition, a subquery), with its values.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    parts: Vec<Part>,
}

impl Sql {
    /// SQL text with no values yet.
    pub fn new(text: &str) -> Sql {
        let mut sql = Sql::default();
        sql.push(text);
        sql
    }

    /// Placeholders for `values`, separated by commas: an `IN (…)` list on its own.
    pub fn values<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Sql {
        let mut sql = Sql::default();
        sql.list(values);
        sql
    }

    /// Appends SQL text: keywords, names, operators. Never a value.
    pub fn push(&mut self, text: &str) -> &mut Sql {
        match self.parts.last_mut() {
            Some(Part::Text(last)) => last.push_str(text),
            _ => self.parts.push(Part::Text(text.to_string())),
        }
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.parts.push(Part::Value(value.into()));
        self
    }

    /// Appends placeholders for `values`, separated by commas (an `IN (…)` list; keep it
    /// non-empty, `IN ()` is not SQL).
    pub fn list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Sql {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self
    }

    /// Appends another fragment, its values with it.
    pub fn append(&mut self, other: &Sql) -> &mut Sql {
        for part in &other.parts {
            match part {
                Part::Text(text) => {
                    self.push(text);
                }
                Part::Value(value) => {
                    self.parts.push(Part::Value(value.clone()));
                }
            }
        }
        self
    }

    /// True when nothing was pushed or bound.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The text with numbered placeholders (for tests and logs).
    pub fn text(&self) -> String {
        self.render().0
    }

    /// The text with numbered placeholders, and the values in their order.
    fn render(&self) -> (String, AnyArguments<'static>) {
        let mut text = String::new();
        let mut args = AnyArguments::default();
        for part in &self.parts {
            match part {
                Part::Text(t) => text.push_str(t),
                Part::Value(value) => {
                    // Adding an i64 or a String to AnyArguments cannot fail.
                    let _ = match value {
                        Value::Int(i) => args.add(*i),
                        Value::Text(t) => args.add(t.clone()),
                        Value::IntOrNull(i) => args.add(*i),
                        Value::TextOrNull(t) => args.add(t.clone()),
                    };
                    text.push_str(&format!("${}", args.len()));
                }
            }
        }
        (text, args)
    }

    /// Runs the statement; answers how many rows it changed.
    pub async fn execute<'c>(&self, db: impl Executor<'c, Database = Any>) -> Result<u64, sqlx::Error> {
        let (text, args) = self.render();
        Ok(sqlx::query_with(&text, args).execute(db).await?.rows_affected())
    }

    /// Every row the query answers.
    pub async fn fetch_all<'c, R>(&self, db: impl Executor<'c, Database = Any>) -> Result<Vec<R>, sqlx::Error>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.render();
        sqlx::query_as_with(&text, args).fetch_all(db).await
    }

    /// The one row the query answers.
    pub async fn fetch_one<'c, R>(&self, db: impl Executor<'c, Database = Any>) -> Result<R, sqlx::Error>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.render();
        sqlx::query_as_with(&text, args).fetch_one(db).await
    }

    /// The row the query answers, if any.
    pub async fn fetch_optional<'c, R>(
        &self,
        db: impl Executor<'c, Database = Any>,
    ) -> Result<Option<R>, sqlx::Error>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.render();
        sqlx::query_as_with(&text, args).fetch_optional(db).await
    }

    /// The first column of every row the query answers.
    pub async fn scalars<'c, T>(&self, db: impl Executor<'c, Database = Any>) -> Result<Vec<T>, sqlx::Error>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
        T: Send + Unpin,
    {
        let (text, args) = self.render();
        sqlx::query_scalar_with(&text, args).fetch_all(db).await
    }

    /// The first column of the one row the query answers.
    pub async fn scalar<'c, T>(&self, db: impl Executor<'c, Database = Any>) -> Result<T, sqlx::Error>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
        T: Send + Unpin,
    {
        let (text, args) = self.render();
        sqlx::query_scalar_with(&text, args).fetch_one(db).await
    }

    /// The query's rows answered as one row, a JSON array of `[columns…]` in `order` (both SQL
    /// over the query's rows as `p`; `order` is empty or an `ORDER BY`), for
    /// [`Sql::fetch_packed`]. sqlx hands each row from SQLite's thread to the caller's, a
    /// wake-up and an allocation per value: for more than a few rows that costs more than the
    /// database's own work. The rows are materialised first, so that what `columns` computes
    /// (subqueries) is computed for them alone.
    pub fn packed(&self, backend: Backend, columns: &str, order: &str) -> Sql {
        let mut sql = Sql::new("WITH p AS MATERIALIZED (");
        sql.append(self).push(&match backend {
            Backend::Sqlite => format!(") SELECT json_group_array(json_array({columns}) {order}) FROM p"),
            Backend::Postgres => {
                format!(") SELECT COALESCE(json_agg(json_build_array({columns}) {order}), '[]')::text FROM p")
            }
        });
        sql
    }

    /// The rows of a [`Sql::packed`] query, each decoded from its array: into a tuple, or a
    /// struct with its fields in the columns' order.
    pub async fn fetch_packed<'c, R: DeserializeOwned>(
        &self,
        db: impl Executor<'c, Database = Any>,
    ) -> Result<Vec<R>, sqlx::Error> {
        let rows: String = self.scalar(db).await?;
        serde_json::from_str(&rows).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_combine_with_placeholders_numbered_in_order_and_no_value_in_the_text() {
        let mut scope = Sql::new("u.account_id IN (");
        scope.list([AccountId(4), AccountId(5)]).push(")");
        let mut sql = Sql::new("SELECT u.id FROM users u WHERE u.company_id = ");
        sql.bind(CompanyId(7))
            .push(" AND ")
            .append(&scope)
            .push(" AND u.name = ")
            .bind("O'Brien; DROP TABLE users");
        let (text, args) = sql.render();
        assert_eq!(
            text,
            "SELECT u.id FROM users u WHERE u.company_id = $1 AND u.account_id IN ($2, $3) AND u.name = $4"
        );
        assert_eq!(args.len(), 4);
        assert!(!text.contains("O'Brien") && !text.contains('7'));
    }
}
