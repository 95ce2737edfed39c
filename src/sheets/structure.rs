//! Changes to a spreadsheet's structure (new tabs, more columns, row deletions) as the
//! `spreadsheets.batchUpdate` requests Google documents.

use google_sheets4::api::{
    AddSheetRequest, AppendDimensionRequest, DeleteDimensionRequest, DimensionRange,
    GridProperties, Request, SheetProperties,
};

/// A change to the spreadsheet's structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    /// A new tab with this many columns (and one row).
    AddTab {
        /// Its name.
        title: String,
        /// Its columns.
        columns: u32,
    },
    /// Columns added at the right of a tab.
    AddColumns {
        /// The tab.
        sheet_id: i32,
        /// How many.
        count: u32,
    },
    /// Rows `start..end` (0-based, end exclusive) deleted.
    DeleteRows {
        /// The tab.
        sheet_id: i32,
        /// First row index.
        start: u32,
        /// One past the last.
        end: u32,
    },
}

pub(super) fn request(change: Structure) -> Request {
    let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    match change {
        Structure::AddTab { title, columns } => Request {
            add_sheet: Some(AddSheetRequest {
                properties: Some(SheetProperties {
                    title: Some(title),
                    grid_properties: Some(GridProperties {
                        row_count: Some(1),
                        column_count: Some(to_i32(columns.max(1))),
                        frozen_row_count: Some(1),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        },
        Structure::AddColumns { sheet_id, count } => Request {
            append_dimension: Some(AppendDimensionRequest {
                sheet_id: Some(sheet_id),
                dimension: Some("COLUMNS".into()),
                length: Some(to_i32(count)),
            }),
            ..Default::default()
        },
        Structure::DeleteRows {
            sheet_id,
            start,
            end,
        } => Request {
            delete_dimension: Some(DeleteDimensionRequest {
                range: Some(DimensionRange {
                    sheet_id: Some(sheet_id),
                    dimension: Some("ROWS".into()),
                    start_index: Some(to_i32(start)),
                    end_index: Some(to_i32(end)),
                }),
            }),
            ..Default::default()
        },
    }
}
