//! How a connection turns SSH input into the screen's messages.

use super::*;

#[tokio::test]
async fn a_storm_of_window_changes_is_one_resize_and_keys_keep_their_place() {
    let (sender, keys) = mpsc::unbounded_channel();
    for size in 1..=500u16 {
        sender.send(Input::Resize(size, size)).unwrap();
    }
    sender.send(Input::Bytes(b"q".to_vec())).unwrap();
    sender.send(Input::Resize(80, 24)).unwrap();
    sender.send(Input::Resize(90, 30)).unwrap();
    drop(sender);
    let messages: Vec<Msg> = input(keys, None).map(|msg| msg.unwrap()).collect().await;
    let described: Vec<String> = messages
        .iter()
        .map(|msg| match msg {
            Msg::Resize(w, h) => format!("{w}x{h}"),
            Msg::Key(key) => format!("{:?}", key.code),
            _ => "other".to_string(),
        })
        .collect();
    assert_eq!(described, ["500x500", "Char('q')", "90x30"]);
}
