//! How SQLite reads the parts of a view that select a set of users (a search, a role, team or
//! account filter). Its planner cannot tell a set of 50 from one of 90,000, so for a page it
//! always fetches the whole set and sorts it: right for a small set, slow for a large one
//! (at 100,000 users, the 2,400 members of a team took 4–7 ms, the 90,000 people of the root
//! account 33 ms). Walking the users in the page's order and testing each one is the other
//! way: it stops after a page of matches, fast when the set is large and slow when it is
//! small (50 people: 0.06 ms fetched, 150 ms walked). So the sets of a page are counted first,
//! in one statement and no further than [`DENSE`] rows each, and each part takes the form that
//! suits its size. A view read whole (a count, a bulk selection) fetches every set (a search
//! of one or two characters is tested on the scan instead).
//!
//! A search's matches often sit together in name order, where neither way is fast: the 2,500
//! people called Zoë are all last (the walk passes 97,500 others) and fetching them costs a
//! row read each (~4 ms). But the keys that start with the term's first three characters are
//! one range of the name order, which a page reads like the unfiltered list (testing there for
//! the whole term); only the keys that hold the term further in (usually few: "zoe" in no
//! other name) are counted, their ids coming back with the count, and, if not many
//! ([`SPREAD`]), fetched. A page in name order then reads both in order and keeps the first
//! of them ([`Search`]); when the others are many it walks. A term of one or two characters
//! may match through hundreds of trigrams, which are slow to ask for when the term is common,
//! so such a page first walks a bounded stretch ([`STRETCH`] rows) and asks the trigrams only
//! when that stretch holds less than a page.
//!
//! PostgreSQL keeps statistics and weighs both ways itself; its parts are [`Part::Fixed`].

use super::{sql::Sql, Db};

/// More rows than this in a set and walking in the page's order finds a page sooner than
/// fetching and sorting the set (the two cost the same near 700 evenly spread rows; members
/// of a set often cluster in name order, "Zoe" all at the end, which favours fetching).
pub const DENSE: i64 = 2_000;

/// More keys than this that hold a search's term beyond the range a page reads in order, and
/// the page walks. Those keys hold it in a last name or an address, spread through the name
/// order rather than gathered like first names, where fetching and walking cost the same near
/// 700 rows; counting only so far also saves reading thousands ("smi": 0.43 ms to 2,000).
pub const SPREAD: i64 = 700;

/// How far a page of a one- or two-letter search walks before it asks the trigram index: a
/// term with a page of matches in this stretch is common enough that the walk is the cheaper
/// (~0.2 ms per 1,000 rows at 100,000 users).
pub const STRETCH: i64 = 2_000;

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
    /// A search of the users' keys (`u`).
    Search(Search),
}

/// A search of the users' keys: the keys that contain a term are those of one range of the
/// name order that hold it (`start`: the keys that start with its first three characters, or
/// with a shorter term) and the `rest`.
#[derive(Debug, Clone)]
pub struct Search {
    /// Selects the ids of the keys that contain the term, from the trigram index; `None` for a
    /// term too short to be asked whole (it is tested on the walk instead).
    pub set: Option<Sql>,
    /// Selects the ids (as `id`) of the keys outside that range that contain the term.
    pub rest: Sql,
    /// The condition on `u` that its key lies in that range and holds the term.
    pub start: Sql,
    /// The condition tested on each row of the walk.
    pub many: Sql,
}

/// A page of users in name order: the rows it walks and how many it keeps.
#[derive(Debug, Clone)]
pub struct Walk {
    /// The condition on `u` of the rows walked before the page's parts: company, scope, tab
    /// and the cursor.
    pub rows: Sql,
    /// The page's `ORDER BY` clause.
    pub order: String,
    /// How many rows the page reads (one more than it shows).
    pub limit: i64,
}

/// The view's parts as one condition (`part AND part …`, empty when there are none), for a view
/// read whole: every set fetched.
pub fn whole(parts: Vec<Part>) -> Sql {
    all(parts
        .into_iter()
        .map(|part| match part {
            Part::Fixed(condition) => condition,
            Part::Either { id, set, .. } => among(id, &set),
            Part::Search(Search { set: Some(set), .. }) => among("u.id", &set),
            Part::Search(Search { set: None, many, .. }) => many,
        })
        .collect())
}

/// One way a page reads (part of) its view: the users that pass `condition` (empty for all),
/// driven by the ids that `from` selects (as `id`) when it is given. SQLite's planner cannot
/// tell how many ids a virtual table gives and would rather walk the company in the page's
/// order testing each, so such a read puts them first (`CROSS JOIN` keeps the order).
#[derive(Debug, Clone)]
pub struct Branch {
    /// Selects the ids to start from.
    pub from: Option<Sql>,
    /// The condition on `u`.
    pub condition: Sql,
}

impl Branch {
    fn of(conditions: Vec<Sql>) -> Branch {
        Branch {
            from: None,
            condition: all(conditions),
        }
    }
}

/// The parts of a page's view, each in the form its size calls for (`db` counts the sets
/// first), as branches whose union is the view: one, or two when a page in name order
/// (`walk`) reads its search in two parts, each read in the page's order (see the module's
/// documentation).
pub async fn page(db: &Db, walk: Option<&Walk>, parts: Vec<Part>) -> Result<Vec<Branch>, sqlx::Error> {
    // The sets a page counts: each filter's, and a search's (in name order only the keys
    // outside the range read in order, whose ids come back with the count).
    let counted: Vec<Option<Counted>> = parts
        .iter()
        .map(|part| match (part, walk) {
            (Part::Fixed(_), _) => None,
            (Part::Either { set, .. }, _) => Some(Counted::of(set, DENSE)),
            (Part::Search(Search { set: None, .. }), _) => None,
            (Part::Search(search), Some(_)) => Some(Counted {
                set: &search.rest,
                most: SPREAD,
                ids: true,
            }),
            (Part::Search(Search { set, .. }), None) => set.as_ref().map(|set| Counted::of(set, DENSE)),
        })
        .collect();
    let sizes = count(db, &counted).await?;
    let mut forms = Vec::new();
    let mut split = None;
    let most: Vec<Option<i64>> = counted.iter().map(|c| c.as_ref().map(|c| c.most)).collect();
    for ((part, size), most) in parts.into_iter().zip(sizes).zip(most) {
        let large = size
            .as_ref()
            .zip(most)
            .is_some_and(|((rows, _), most)| *rows > most);
        match part {
            Part::Fixed(condition) => forms.push(condition),
            Part::Either { many, .. } if large => forms.push(many),
            Part::Either { id, set, .. } => forms.push(among(id, &set)),
            Part::Search(search) => match (walk, &search.set, size) {
                (Some(_), Some(_), Some((_, Some(ids)))) if !large => split = Some((search, Some(ids))),
                (Some(_), None, _) => split = Some((search, None)),
                (None, Some(set), _) if !large => forms.push(among("u.id", set)),
                _ => forms.push(search.many),
            },
        }
    }
    let (Some((search, ids)), Some(walk)) = (split, walk) else {
        return Ok(vec![Branch::of(forms)]);
    };
    if ids.is_none() && filled_by_walking(db, walk, &forms, &search.many).await? {
        forms.push(search.many);
        return Ok(vec![Branch::of(forms)]);
    }
    let mut start = forms.clone();
    start.push(search.start);
    let from = match ids {
        // Counted already: the ids, not the search again.
        Some(ids) => {
            let mut listed = Sql::new("SELECT value AS id FROM json_each(");
            listed.bind(ids).push(")");
            listed
        }
        None => search.rest,
    };
    Ok(vec![
        Branch {
            from: None,
            condition: all(start),
        },
        Branch {
            from: Some(from),
            condition: all(forms),
        },
    ])
}

/// A set a page counts: no further than one row more than `most`, with its ids (a JSON
/// array) when `ids`.
struct Counted<'a> {
    set: &'a Sql,
    most: i64,
    ids: bool,
}

impl<'a> Counted<'a> {
    fn of(set: &'a Sql, most: i64) -> Counted<'a> {
        Counted {
            set,
            most,
            ids: false,
        }
    }
}

/// How many rows each set holds, as far as it is counted, in one statement (`None` for no
/// set), with its ids when asked.
async fn count(
    db: &Db,
    sets: &[Option<Counted<'_>>],
) -> Result<Vec<Option<(i64, Option<String>)>>, sqlx::Error> {
    let mut sizes = vec![None; sets.len()];
    let mut count = Sql::default();
    for (n, set) in sets.iter().enumerate() {
        let Some(set) = set else { continue };
        if !count.is_empty() {
            count.push(" UNION ALL ");
        }
        let ids = if set.ids { "json_group_array(id)" } else { "NULL" };
        count
            .push("SELECT ")
            .bind(n as i64)
            .push(&format!(", COUNT(*), {ids} FROM ("))
            .append(set.set)
            .push(" LIMIT ")
            .bind(set.most + 1)
            .push(")");
    }
    if count.is_empty() {
        return Ok(sizes);
    }
    count.push(" ORDER BY 1");
    for (n, rows, ids) in count.fetch_all::<(i64, i64, Option<String>)>(db).await? {
        sizes[n as usize] = Some((rows, ids));
    }
    Ok(sizes)
}

/// Whether the first [`STRETCH`] rows of the walk hold a page of rows that pass `test` and
/// every form in `forms`.
async fn filled_by_walking(db: &Db, walk: &Walk, forms: &[Sql], test: &Sql) -> Result<bool, sqlx::Error> {
    let mut tests = forms.to_vec();
    tests.push(test.clone());
    let mut sql =
        Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM (SELECT u.id, u.search_key FROM users u WHERE ");
    sql.append(&walk.rows)
        .push(&format!(" {} LIMIT ", walk.order))
        .bind(STRETCH)
        .push(") u WHERE ")
        .append(&all(tests))
        .push(" LIMIT ")
        .bind(walk.limit)
        .push(")");
    Ok(sql.scalar::<i64>(db).await? >= walk.limit)
}

/// `{id} IN (set)`.
fn among(id: &str, set: &Sql) -> Sql {
    let mut sql = Sql::new(&format!("{id} IN ("));
    sql.append(set).push(")");
    sql
}

/// The conditions joined by AND (empty when there are none).
fn all(conditions: Vec<Sql>) -> Sql {
    let mut sql = Sql::default();
    for condition in conditions {
        if !sql.is_empty() {
            sql.push(" AND ");
        }
        sql.append(&condition);
    }
    sql
}
