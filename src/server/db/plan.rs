//! How SQLite reads the parts of a view that select a set of users (a search, a role, team or
//! account filter). Its planner cannot tell a set of 50 from one of 90,000, so for a page it
//! always fetches the whole set and sorts it: right for a small set, slow for a large one
//! (at 100,000 users, the 2,400 members of a team took 4–7 ms, the 90,000 people of the root
//! account 33 ms). Walking the users in the page's order and testing each one is the other
//! way: it stops after a page of matches, fast when the set is large and slow when it is
//! small (50 people: 0.06 ms fetched, 150 ms walked). So the sets of a page are counted first,
//! in one statement and no further than [`DENSE`] rows each, and each part takes the form that
//! suits its size. A view read whole (a count, a bulk selection) fetches every set.
//!
//! PostgreSQL keeps statistics and weighs both ways itself; its parts are [`Part::Fixed`].

use super::sql::Sql;
use sqlx::{Any, Executor};

/// More rows than this in a set and walking in the page's order finds a page sooner than
/// fetching and sorting the set (the two cost the same near 700 evenly spread rows; members
/// of a set often cluster in name order, "Zoe" all at the end, which favours fetching).
pub const DENSE: i64 = 2_000;

/// One condition of a view.
#[derive(Debug, Clone)]
pub enum Part {
    /// One form whatever the size.
    Fixed(Sql),
    /// `{id} IN (set)` when the set is small; `many`, a test of one row, when it is large.
    Either {
        /// The column the set's ids are matched against (`u.id`, `i.id`).
        id: &'static str,
        /// Selects the ids of the set.
        set: Sql,
        /// The condition tested on each row of the walk.
        many: Sql,
    },
}

/// Whether the view is read a page at a time (sorted, limited) or whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Page,
    Whole,
}

/// The parts as one condition (`part AND part …`, empty when there are none), each in the form
/// its size calls for; for a page, `db` counts the sets first.
pub async fn choose<'c>(
    db: impl Executor<'c, Database = Any>,
    reading: Reading,
    parts: Vec<Part>,
) -> Result<Sql, sqlx::Error> {
    let sets: Vec<&Sql> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Either { set, .. } => Some(set),
            Part::Fixed(_) => None,
        })
        .collect();
    let mut large = vec![false; sets.len()];
    if reading == Reading::Page && !sets.is_empty() {
        let mut count = Sql::default();
        for (n, set) in sets.iter().enumerate() {
            if n > 0 {
                count.push(" UNION ALL ");
            }
            count
                .push("SELECT ")
                .bind(n as i64)
                .push(", COUNT(*) FROM (")
                .append(set)
                .push(" LIMIT ")
                .bind(DENSE + 1)
                .push(")");
        }
        count.push(" ORDER BY 1");
        let counted: Vec<(i64, i64)> = count.fetch_all(db).await?;
        for (n, rows) in counted {
            large[n as usize] = rows > DENSE;
        }
    }
    let mut sql = Sql::default();
    let mut n = 0;
    for part in parts {
        if !sql.is_empty() {
            sql.push(" AND ");
        }
        match part {
            Part::Fixed(condition) => {
                sql.append(&condition);
            }
            Part::Either { id, set, many } => {
                if large[n] {
                    sql.append(&many);
                } else {
                    sql.push(&format!("{id} IN (")).append(&set).push(")");
                }
                n += 1;
            }
        }
    }
    Ok(sql)
}
