//! The document title, in one place.
//!
//! leptos_meta 0.8 (0.8.7, `ServerMetaContextOutput::inject_meta_context`) writes the
//! server-rendered `<title>` into the shell's `<head>` as raw text: `<Title text=…/>` with a
//! stored name such as `</title><script>…` becomes markup. In the browser the title is set
//! through `document.title`, which is plain text. So every title goes through the root
//! `<Title formatter=page_title/>`, which escapes it when rendering on the server only (escaping
//! in the browser too would show `&amp;` in the tab). Remove this once leptos_meta escapes.

/// "<page> · Roster", escaped for HTML when rendered on the server.
pub fn page_title(text: String) -> String {
    let title = format!("{text} · Roster");
    if cfg!(feature = "ssr") {
        escape_html(&title)
    } else {
        title
    }
}

/// Escapes text for an HTML text node or a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape_html(r#"</title><script>"R&D's"</script>"#),
            "&lt;/title&gt;&lt;script&gt;&quot;R&amp;D&#39;s&quot;&lt;/script&gt;"
        );
    }
}
