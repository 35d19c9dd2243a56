//! Keyset pages: a query fetches one row more than a page, in the order it walks (backwards
//! when going to the previous page), and this puts the page in display order with the cursors
//! of its neighbours.

/// Trims a fetched page (`per_page + 1` rows, in walking order) to size, puts it in display
/// order and returns the cursors of the previous and next pages, each made by `encode` from
/// the page's first or last row.
pub fn settle_page<R>(
    rows: &mut Vec<R>,
    per_page: i64,
    backward: bool,
    from_cursor: bool,
    encode: impl Fn(&R) -> String,
) -> (Option<String>, Option<String>) {
    let more = rows.len() as i64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(0));
    if backward {
        rows.reverse();
    }
    // Coming from a cursor means there are rows on its other side.
    let (has_prev, has_next) = if backward {
        (more, true)
    } else {
        (from_cursor, more)
    };
    let prev = rows.first().filter(|_| has_prev).map(&encode);
    let next = rows.last().filter(|_| has_next).map(&encode);
    (prev, next)
}

#[cfg(test)]
mod tests {
    use super::settle_page;

    #[test]
    fn a_page_is_trimmed_ordered_and_given_the_cursors_of_the_pages_around_it() {
        let encode = |n: &i32| n.to_string();
        // Forwards from the start, one row more than a page: a next page, no previous.
        let mut rows = vec![1, 2, 3];
        assert_eq!(
            settle_page(&mut rows, 2, false, false, encode),
            (None, Some("2".into()))
        );
        assert_eq!(rows, [1, 2]);
        // Forwards from a cursor, the last page.
        let mut rows = vec![3];
        assert_eq!(
            settle_page(&mut rows, 2, false, true, encode),
            (Some("3".into()), None)
        );
        // Backwards, walked newest first: reversed, with a next page and more before.
        let mut rows = vec![5, 4, 3];
        assert_eq!(
            settle_page(&mut rows, 2, true, true, encode),
            (Some("4".into()), Some("5".into()))
        );
        assert_eq!(rows, [4, 5]);
    }
}
