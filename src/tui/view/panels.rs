use crate::tui::app::Model;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = super::pane_block(
        "Metrics".into(),
        model.focus == crate::tui::app::Pane::Panels,
        theme,
    );
    frame.render_widget(block, area);
}
