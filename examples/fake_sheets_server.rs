//! The tests' fake Google Sheets API and token endpoint as a process, for `benches/sheets.sh`:
//! prints its base URL, writes a service-account key for it to the path given, and serves until
//! killed. `GET /_stats` lists the Sheets API requests it got; `POST /_reset` forgets them.

#[allow(dead_code)]
#[path = "../tests/web/fake_sheets.rs"]
mod fake_sheets;

#[tokio::main]
async fn main() {
    let key_path = std::env::args()
        .nth(1)
        .expect("usage: fake_sheets_server KEY_JSON_PATH");
    let fake = fake_sheets::FakeSheets::start().await;
    std::fs::write(&key_path, fake.key_json()).expect("write key");
    println!("{}", fake.base);
    println!("spreadsheet {}", fake_sheets::SPREADSHEET);
    std::future::pending::<()>().await;
}
