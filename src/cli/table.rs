//! Aligned text tables for reports: text left-aligned, figures right-aligned.

/// A table being built.
pub struct Table {
    header: Vec<String>,
    text: Vec<usize>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers; the first column is text, the rest figures.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(ToString::to_string).collect(),
            text: vec![0],
            rows: Vec::new(),
        }
    }

    /// Marks more columns as text (left-aligned).
    pub(crate) fn text_columns(mut self, columns: &[usize]) -> Table {
        self.text.extend_from_slice(columns);
        self
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines indented by two spaces.
    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::from(" ");
            for (i, cell) in cells.iter().enumerate().take(cols) {
                let pad = widths[i] - cell.chars().count();
                out.push(' ');
                if self.text.contains(&i) {
                    out.push_str(if i == 0 { "" } else { "  " });
                    out.push_str(cell);
                    out.push_str(&" ".repeat(pad));
                } else {
                    out.push_str(&" ".repeat(pad + 2));
                    out.push_str(cell);
                }
            }
            out.trim_end().to_string() + "\n"
        };
        let mut out = line(&self.header);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let mut t = Table::new(&["app", "today"]);
        t.row(vec!["claude-code".into(), "$5.29".into()]);
        t.row(vec!["cursor".into(), "$12.00".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "  app            today");
        assert_eq!(lines[1], "  claude-code    $5.29");
        assert_eq!(lines[2], "  cursor        $12.00");
    }
}
