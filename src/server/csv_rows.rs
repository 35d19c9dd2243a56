//! The downloads' CSV records (the audit log's and the users table's exports): each cell made
//! inert for spreadsheets. A cell starting with `=`, `+`, `-`, `@`, tab or carriage return
//! gets a leading `'`, as OWASP advises against CSV injection; quoting is the `csv` crate's.

/// One CSV record (with its line end), each cell made inert.
pub fn line<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(cells.iter().map(|c| inert(c.as_ref())));
    writer.into_inner().unwrap_or_default()
}

/// `cell`, with a `'` in front when a spreadsheet would read it as a formula.
pub fn inert(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_made_inert_and_others_kept() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(cell), format!("'{cell}"));
        }
        assert_eq!(inert("Ada"), "Ada");
        assert_eq!(inert(""), "");
        assert_eq!(inert("a=b"), "a=b");
        let line = String::from_utf8(line(&["=HYPERLINK(\"x\")", "a,b"])).unwrap();
        assert_eq!(line, "\"'=HYPERLINK(\"\"x\"\")\",\"a,b\"\n");
    }
}
