//! A keyboard form: labelled fields, Tab between them, errors shown at the
//! field, and nothing typed is ever lost (a failed save keeps every field).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui_textarea::{TextArea, WrapMode};

use super::theme::Theme;

/// The option of a filter that leaves it open.
const ANY: &str = "any";

pub enum Input {
    /// One line of text; Enter moves on.
    Line(TextArea<'static>),
    /// Several lines with wrapping; Enter is a new line.
    Text(TextArea<'static>),
    /// One of a list (id, label); ←/→ choose, a letter jumps.
    Choice { options: Vec<(String, String)>, index: usize },
    /// Any of a list; ←/→ move, Space ticks.
    Multi { options: Vec<(String, String)>, checked: Vec<bool>, cursor: usize },
}

pub struct Field {
    /// A stable name the code reads values by.
    pub key: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub error: Option<String>,
    /// Rows a multi-line field gets on screen.
    pub rows: u16,
    /// A pick list whose value was last changed by a typed letter (the
    /// letter jump), not by ← →: typing meant for another field can move a
    /// status unseen, so it is marked on screen (issue 8 item 12).
    pub typed: bool,
}

fn textarea(text: &str, placeholder: &str, wrap: bool) -> TextArea<'static> {
    let mut t = TextArea::new(text.lines().map(str::to_string).collect());
    if text.is_empty() {
        t = TextArea::default();
    }
    t.set_placeholder_text(placeholder);
    t.set_cursor_line_style(Style::default());
    if wrap {
        t.set_wrap_mode(WrapMode::WordOrGlyph);
    }
    t.move_cursor(ratatui_textarea::CursorMove::Bottom);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

impl Field {
    pub fn line(key: &'static str, label: &'static str, value: &str, placeholder: &str) -> Self {
        Field {
            key,
            label,
            input: Input::Line(textarea(value, placeholder, false)),
            error: None,
            rows: 1,
            typed: false,
        }
    }

    pub fn text(key: &'static str, label: &'static str, value: &str, placeholder: &str, rows: u16) -> Self {
        Field { key, label, input: Input::Text(textarea(value, placeholder, true)), error: None, rows, typed: false }
    }

    pub fn choice(key: &'static str, label: &'static str, options: Vec<(String, String)>, selected: &str) -> Self {
        let index = options.iter().position(|(id, _)| id == selected).unwrap_or(0);
        Field { key, label, input: Input::Choice { options, index }, error: None, rows: 1, typed: false }
    }

    /// A filter's pick list: "any" first, then `options`; `current` (an
    /// option id) is chosen, or "any" when there is none.
    pub fn any_of(
        key: &'static str,
        label: &'static str,
        options: Vec<(String, String)>,
        current: Option<String>,
    ) -> Self {
        let mut all = vec![(ANY.to_string(), ANY.to_string())];
        all.extend(options);
        Self::choice(key, label, all, current.as_deref().unwrap_or(ANY))
    }

    pub fn multi(key: &'static str, label: &'static str, options: Vec<(String, String)>, rows: u16) -> Self {
        let checked = vec![false; options.len()];
        Field { key, label, input: Input::Multi { options, checked, cursor: 0 }, error: None, rows, typed: false }
    }

    /// Rows on screen: the input, plus its error wrapped to `width`, so the
    /// whole instruction shows ("…; write it as YYYY-MM-DD HH:MM").
    fn height(&self, width: u16) -> u16 {
        match self.error.as_deref() {
            Some(e) => self.rows + wrapped_rows(e, width),
            // The typed-letter note takes the error's place.
            None => self.rows + u16::from(self.typed),
        }
    }

    fn textarea_mut(&mut self) -> Option<&mut TextArea<'static>> {
        match &mut self.input {
            Input::Line(t) | Input::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Rows a message of `text` takes wrapped at `width` (roughly: by characters).
fn wrapped_rows(text: &str, width: u16) -> u16 {
    let chars = text.chars().count() as u16 + 2;
    chars.div_ceil(width.max(10)).clamp(1, 4)
}

/// What a key did to the form.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Changed,
    Moved,
    Ignored,
}

pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Anything typed or chosen since the form opened (leaving asks first).
    pub dirty: bool,
    /// A form-wide message, e.g. a lifecycle refusal from the store.
    pub error: Option<String>,
    /// Where each field's value was drawn last frame, for what is drawn
    /// beside a field (the people matching a typed name, issue 12).
    pub drawn: Vec<(&'static str, Rect)>,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Self {
        Form { title: title.into(), fields, focus: 0, dirty: false, error: None, drawn: Vec::new() }
    }

    pub fn field(&self, key: &str) -> &Field {
        self.fields.iter().find(|f| f.key == key).unwrap_or_else(|| panic!("form has no field {key}"))
    }

    fn field_mut(&mut self, key: &str) -> &mut Field {
        self.fields.iter_mut().find(|f| f.key == key).unwrap_or_else(|| panic!("form has no field {key}"))
    }

    /// The text of a Line or Text field.
    pub fn text(&self, key: &str) -> String {
        match &self.field(key).input {
            Input::Line(t) | Input::Text(t) => t.lines().join("\n"),
            _ => String::new(),
        }
    }

    /// Replaces the text of a Line or Text field (a person picked from a
    /// list fills in their name, issue 12).
    pub fn set_text(&mut self, key: &str, text: &str) {
        if let Some(t) = self.field_mut(key).textarea_mut() {
            t.clear();
            t.insert_str(text);
        }
    }

    /// Where the value of field `key` was drawn last frame.
    pub fn drawn_at(&self, key: &str) -> Option<Rect> {
        self.drawn.iter().find(|(k, _)| *k == key).map(|(_, r)| *r)
    }

    /// The text of a field that must not be blank; a blank one gets
    /// `message` at the field.
    pub fn required(&mut self, key: &str, message: &str) -> String {
        let text = self.text(key);
        if text.trim().is_empty() {
            self.set_error(key, message);
        }
        text
    }

    /// The chosen id of a Choice field.
    pub fn choice(&self, key: &str) -> String {
        match &self.field(key).input {
            Input::Choice { options, index } => options.get(*index).map(|o| o.0.clone()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// What a Choice field shows for its chosen option.
    pub fn choice_label(&self, key: &str) -> String {
        match &self.field(key).input {
            Input::Choice { options, index } => options.get(*index).map(|o| o.1.clone()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    pub fn set_choice(&mut self, key: &str, id: &str) {
        if let Input::Choice { options, index } = &mut self.field_mut(key).input
            && let Some(i) = options.iter().position(|o| o.0 == id)
        {
            *index = i;
        }
    }

    /// The chosen id of an `any_of` field, or `None` for "any".
    pub fn picked(&self, key: &str) -> Option<String> {
        Some(self.choice(key)).filter(|v| v != ANY)
    }

    /// The ticked ids of a Multi field.
    pub fn ticked(&self, key: &str) -> Vec<String> {
        match &self.field(key).input {
            Input::Multi { options, checked, .. } => {
                options.iter().zip(checked).filter(|(_, c)| **c).map(|(o, _)| o.0.clone()).collect()
            }
            _ => Vec::new(),
        }
    }

    pub fn focused_key(&self) -> &'static str {
        self.fields[self.focus].key
    }

    pub fn clear_errors(&mut self) {
        self.error = None;
        for f in &mut self.fields {
            f.error = None;
        }
    }

    /// Puts an error at its field and focuses the first field in error.
    pub fn set_error(&mut self, key: &str, message: impl Into<String>) {
        let message = message.into();
        match self.fields.iter().position(|f| f.key == key) {
            Some(i) => {
                if self.fields.iter().all(|f| f.error.is_none()) {
                    self.focus = i;
                }
                self.fields[i].error = Some(message);
            }
            None => self.error = Some(message),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.error.is_some() || self.fields.iter().any(|f| f.error.is_some())
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    /// Pasted text goes into the focused text field, newlines and all.
    pub fn paste(&mut self, text: &str) {
        let single = matches!(self.fields[self.focus].input, Input::Line(_));
        if let Some(t) = self.fields[self.focus].textarea_mut() {
            let text = if single { text.replace(['\r', '\n'], " ") } else { text.replace('\r', "") };
            t.insert_str(text);
            self.dirty = true;
        }
    }

    /// A key for the focused field (keys the key map did not claim).
    pub fn input(&mut self, key: KeyEvent) -> Outcome {
        // Outside long text, Enter and ↓ move on and ↑ moves back.
        if !matches!(self.fields[self.focus].input, Input::Text(_)) {
            match key.code {
                KeyCode::Enter | KeyCode::Down => {
                    self.next();
                    return Outcome::Moved;
                }
                KeyCode::Up => {
                    self.prev();
                    return Outcome::Moved;
                }
                _ => {}
            }
        }
        let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let field = &mut self.fields[self.focus];
        let outcome = match &mut field.input {
            Input::Line(t) | Input::Text(t) => {
                if t.input(key) {
                    Outcome::Changed
                } else {
                    Outcome::Ignored
                }
            }
            Input::Choice { options, index } => match key.code {
                KeyCode::Left => {
                    *index = (*index + options.len() - 1) % options.len();
                    field.typed = false;
                    Outcome::Changed
                }
                KeyCode::Right | KeyCode::Char(' ') => {
                    *index = (*index + 1) % options.len();
                    field.typed = false;
                    Outcome::Changed
                }
                KeyCode::Char(c) if plain => {
                    // Jump to the next option starting with the letter typed.
                    let c = c.to_ascii_lowercase();
                    let n = options.len();
                    match (1..=n).map(|k| (*index + k) % n).find(|&i| options[i].1.to_ascii_lowercase().starts_with(c))
                    {
                        Some(i) => {
                            *index = i;
                            field.typed = true;
                            Outcome::Changed
                        }
                        None => Outcome::Ignored,
                    }
                }
                _ => Outcome::Ignored,
            },
            Input::Multi { options, checked, cursor } => match key.code {
                KeyCode::Left => {
                    *cursor = (*cursor + options.len() - 1) % options.len();
                    Outcome::Moved
                }
                KeyCode::Right => {
                    *cursor = (*cursor + 1) % options.len();
                    Outcome::Moved
                }
                KeyCode::Char(' ') | KeyCode::Char('x') => {
                    checked[*cursor] = !checked[*cursor];
                    Outcome::Changed
                }
                _ => Outcome::Ignored,
            },
        };
        if outcome == Outcome::Changed {
            self.dirty = true;
            self.fields[self.focus].error = None;
        }
        outcome
    }

    /// Draws the form into `area`, scrolled so the focused field shows.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, theme: &Theme) {
        const LABEL: u16 = 16;
        let value_width = area.width.saturating_sub(LABEL);
        let mut y_of = Vec::with_capacity(self.fields.len());
        let mut y = 0u16;
        for f in &self.fields {
            y_of.push(y);
            y += f.height(value_width);
        }
        let msg_rows = self.error.as_deref().map_or(0, |e| wrapped_rows(e, area.width) + 1);
        let avail = area.height.saturating_sub(msg_rows).max(1);
        let focus_bottom = y_of[self.focus] + self.fields[self.focus].height(value_width);
        let scroll = focus_bottom.saturating_sub(avail);
        let mut row = area.y;
        if let Some(e) = &self.error {
            let p = Paragraph::new(Line::from(Span::styled(format!("⚠ {e}"), theme.error()))).wrap(Wrap { trim: true });
            frame.render_widget(p, Rect { x: area.x, y: row, width: area.width, height: msg_rows - 1 });
            row += msg_rows;
        }
        let bottom = area.y + area.height;
        self.drawn.clear();
        for (i, f) in self.fields.iter_mut().enumerate() {
            if y_of[i] < scroll {
                continue;
            }
            let top = row + (y_of[i] - scroll);
            if top >= bottom {
                break;
            }
            let focused = i == self.focus;
            let label_style = if focused { theme.key() } else { theme.title() };
            let marker = if focused { "▶ " } else { "  " };
            let label = Rect { x: area.x, y: top, width: LABEL.min(area.width), height: 1 };
            frame.render_widget(Paragraph::new(Span::styled(format!("{marker}{}", f.label), label_style)), label);
            let rows = f.rows.min(bottom - top);
            let value = Rect { x: area.x + LABEL, y: top, width: area.width.saturating_sub(LABEL), height: rows };
            self.drawn.push((f.key, value));
            match &mut f.input {
                Input::Line(t) | Input::Text(t) => {
                    let cursor = if focused { theme.selected() } else { Style::default() };
                    t.set_cursor_style(cursor);
                    t.set_style(Style::default());
                    t.set_placeholder_style(theme.muted());
                    frame.render_widget(&*t, value);
                }
                Input::Choice { options, index } => {
                    let text = options.get(*index).map_or("", |o| o.1.as_str());
                    let line = if focused {
                        Line::from(vec![
                            Span::styled("◀ ", theme.key()),
                            Span::raw(text.to_string()),
                            Span::styled(" ▶", theme.key()),
                        ])
                    } else {
                        Line::raw(text.to_string())
                    };
                    // Said in words, not only colour: a typed letter chose this.
                    if f.typed && f.error.is_none() && top + 1 < bottom {
                        let r = Rect { x: area.x + LABEL, y: top + 1, width: value_width, height: 1 };
                        let note = Span::styled("⚠ set by a typed letter: check it", theme.error());
                        frame.render_widget(Paragraph::new(note), r);
                    }
                    frame.render_widget(Paragraph::new(line), value);
                }
                Input::Multi { options, checked, cursor } => {
                    let mut spans = Vec::new();
                    for (k, ((_, label), on)) in options.iter().zip(checked.iter()).enumerate() {
                        let style = if focused && k == *cursor { theme.selected() } else { Style::default() };
                        spans.push(Span::styled(format!("[{}] {label}", if *on { "x" } else { " " }), style));
                        spans.push(Span::raw("  "));
                    }
                    frame.render_widget(Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }), value);
                }
            }
            if let Some(e) = &f.error
                && top + f.rows < bottom
            {
                let height = wrapped_rows(e, value_width).min(bottom - top - f.rows);
                let r = Rect { x: area.x + LABEL, y: top + f.rows, width: value_width, height };
                let p = Paragraph::new(Span::styled(format!("⚠ {e}"), theme.error())).wrap(Wrap { trim: true });
                frame.render_widget(p, r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn opts(ids: &[&str]) -> Vec<(String, String)> {
        ids.iter().map(|i| (i.to_string(), i.to_uppercase())).collect()
    }

    #[test]
    fn typing_choosing_and_ticking() {
        let mut f = Form::new(
            "t",
            vec![
                Field::line("name", "Name", "", "name"),
                Field::choice("pick", "Pick", opts(&["apple", "banana", "cherry"]), "banana"),
                Field::multi("many", "Many", opts(&["x1", "x2"]), 1),
                Field::text("story", "Story", "", "", 3),
            ],
        );
        for c in "Zed".chars() {
            f.input(key(KeyCode::Char(c)));
        }
        assert!(f.dirty);
        assert_eq!(f.input(key(KeyCode::Enter)), Outcome::Moved);
        f.input(key(KeyCode::Right));
        assert_eq!(f.choice("pick"), "cherry");
        assert!(!f.field("pick").typed);
        f.input(key(KeyCode::Char('a')));
        assert_eq!(f.choice("pick"), "apple", "a letter jumps");
        assert!(f.field("pick").typed, "and the pick list remembers a letter chose it");
        f.input(key(KeyCode::Left));
        f.input(key(KeyCode::Right));
        assert!(!f.field("pick").typed, "← → are a deliberate choice");
        f.input(key(KeyCode::Char('a')));
        f.next();
        f.input(key(KeyCode::Right));
        f.input(key(KeyCode::Char(' ')));
        assert_eq!(f.ticked("many"), vec!["x2"]);
        f.next();
        f.paste("line one\nline two");
        assert_eq!(f.text("story"), "line one\nline two");
        assert_eq!(f.text("name"), "Zed");
    }

    #[test]
    fn errors_sit_at_their_field_and_focus_the_first() {
        let mut f = Form::new("t", vec![Field::line("a", "A", "", ""), Field::line("b", "B", "", "")]);
        f.set_error("b", "needed");
        f.set_error("a", "also needed");
        assert_eq!(f.focus, 1, "the first error set takes focus");
        assert!(f.has_errors());
        f.set_error("nowhere", "form-wide");
        assert_eq!(f.error.as_deref(), Some("form-wide"));
        f.clear_errors();
        assert!(!f.has_errors());
    }
}
