//! Request examples for the document, written against the demo district
//! (`gridline serve --demo`). The demo's records have fixed ids, drawn here,
//! so an example sent as it is from the docs page, signed in as the demo user
//! it names, succeeds. Names are Chinese and English, as in the catalog.

use serde_json::{json, Value};
use uuid::Uuid;

/// The namespace of the demo district's ids (a UUID v5 of each record's name).
const DEMO: Uuid = Uuid::from_u128(0x6772_6964_6c69_6e65_2d64_656d_6f2d_6964);

/// The fixed id of a demo record: `unit/DEMO-E-C1`, `department/DEMO-URBAN`,
/// `user/worker1`.
pub fn demo_id(record: &str) -> Uuid {
    Uuid::new_v5(&DEMO, record.as_bytes())
}

fn unit(code: &str) -> Uuid {
    demo_id(&format!("unit/{code}"))
}

fn department(code: &str) -> Uuid {
    demo_id(&format!("department/{code}"))
}

/// A closed rectangle, as the demo's boundaries are drawn.
fn block(west: f64, south: f64, east: f64, north: f64) -> Value {
    json!({
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]
    })
}

pub fn log_in() -> Value {
    json!({"username": "worker1", "password": "gridline-demo"})
}

pub fn refresh() -> Value {
    json!({"refresh_token": "the refresh_token that log_in or the last refresh answered"})
}

pub fn password_change() -> Value {
    json!({"current_password": "gridline-demo", "new_password": "a longer passphrase for 2026"})
}

/// worker1 reports in his grid (和平一网格); no `id`, so the server draws one.
pub fn report_case() -> Value {
    json!({
        "category_code": "neighbour_dispute",
        "description": "楼上装修噪音扰民 noise from renovation upstairs after 22:00",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号 2 单元 Heping Road 5, entrance 2",
        "resident": {"name": "王阿姨", "phone": "13812345678"}
    })
}

pub fn update_case() -> Value {
    json!({"priority": "urgent", "description": "楼上装修噪音扰民，老人夜间无法休息 renovation noise at night; an elderly resident cannot sleep"})
}

pub fn reason() -> Value {
    json!({"reason": "涉及多个社区，需上级协调 concerns several communities; the level above coordinates"})
}

pub fn rejection() -> Value {
    json!({"reason": "重复上报 reported twice"})
}

/// dispatcher_community sends the case to the district's urban management bureau.
pub fn dispatch() -> Value {
    json!({"lead_department_id": department("DEMO-URBAN"), "note": "请今日到场处理 please attend today"})
}

pub fn resolution() -> Value {
    json!({"note": "已现场调解，双方达成一致 mediated on site; both sides agreed"})
}

pub fn verification() -> Value {
    json!({"passed": true, "note": "回访居民，问题已解决 the resident confirms it is settled"})
}

pub fn extension_request() -> Value {
    json!({"hours": 24, "reason": "需协调物业共同处理 waiting for the property company"})
}

pub fn extension_decision() -> Value {
    json!({"approved": true, "note": "同意延期一天 one more day granted"})
}

pub fn comment() -> Value {
    json!({"text": "已电话联系居民 called the resident", "internal": false})
}

pub fn create_user() -> Value {
    json!({
        "username": "worker5",
        "display_name": "郑网格员 Worker Five",
        "password": "a strong passphrase for 2026",
        "phone": "13800000007"
    })
}

pub fn update_user() -> Value {
    json!({"display_name": "周网格员 Worker One", "phone": "13800000001"})
}

/// A grid worker's grant over 和平二网格.
pub fn grant() -> Value {
    json!({"role": "grid_worker", "unit_id": unit("DEMO-E-C1-G2")})
}

pub fn create_api_key() -> Value {
    json!({"name": "12345 热线 citizen hotline", "role": "dispatcher", "unit_id": unit("DEMO")})
}

pub fn create_category() -> Value {
    json!({
        "code": "shared_bicycles",
        "parent_code": "environment",
        "name_zh": "共享单车乱停放",
        "name_en": "Shared bicycles parked badly",
        "department_kind": "urban_management",
        "time_limits": [
            {"priority": "normal", "amount": 24, "unit": "natural_hours"},
            {"priority": "urgent", "amount": 4, "unit": "natural_hours"}
        ],
        "auto_accept": true,
        "auto_dispatch": false
    })
}

pub fn update_category() -> Value {
    json!({
        "name_en": "Neighbour dispute",
        "time_limits": [
            {"priority": "normal", "amount": 48, "unit": "natural_hours"},
            {"priority": "urgent", "amount": 12, "unit": "natural_hours"}
        ]
    })
}

pub fn create_department() -> Value {
    json!({
        "kind": "environment",
        "code": "DEMO-ENV",
        "name": "区生态环境局 Ecology and Environment Bureau",
        "unit_id": unit("DEMO"),
        "responsible_person": "孙局长",
        "contact_phone": "010-6500 3000"
    })
}

pub fn update_department() -> Value {
    json!({"responsible_person": "钱科长", "contact_phone": "010-6500 3001"})
}

/// A second community of 西城街道, north of 幸福社区.
pub fn create_org_unit() -> Value {
    json!({
        "kind": "community",
        "code": "DEMO-W-C2",
        "name": "安康社区 Ankang Community",
        "parent_id": unit("DEMO-W"),
        "boundary": block(116.410, 39.905, 116.420, 39.910),
        "responsible_person": "吴主任",
        "contact_phone": "010-6500 2200"
    })
}

pub fn update_org_unit() -> Value {
    json!({"responsible_person": "张主任", "contact_phone": "010-6500 1101"})
}

/// Redraws 幸福二网格 as it is: replacing by `code` is safe to repeat.
pub fn import_grids() -> Value {
    json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "geometry": block(116.415, 39.900, 116.420, 39.905),
            "properties": {
                "code": "DEMO-W-C1-G2",
                "name": "幸福二网格 Xingfu Grid 2",
                "parent_code": "DEMO-W-C1",
                "responsible_person": "冯网格员",
                "contact_phone": "138 0000 0006"
            }
        }]
    })
}

/// The default hours with 2026's National Day week off and its two make-up days.
pub fn calendar() -> Value {
    let day = json!([["08:30", "12:00"], ["14:00", "17:30"]]);
    json!({
        "time_zone": "Asia/Shanghai",
        "weekdays": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": [], "sun": []},
        "holidays": ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"],
        "workdays": ["2026-09-27", "2026-10-10"]
    })
}

pub fn stage_time_limits() -> Value {
    json!({
        "accept": {"amount": 1, "unit": "working_hours"},
        "dispatch": {"amount": 1, "unit": "working_hours"},
        "verify": {"amount": 1, "unit": "working_days"}
    })
}

pub fn suspension() -> Value {
    json!({"reason": "待拆迁，暂无法处置 awaiting demolition; cannot be handled now", "resume_on": null})
}

pub fn urging() -> Value {
    json!({"note": "群众反映强烈，请三日内办结 residents are pressing; close within three days"})
}

pub fn phone_feedback() -> Value {
    json!({"rating": "basically_satisfied", "comment": "处理及时，但清理不够彻底 quick, but not cleaned up fully", "channel": "phone"})
}

pub fn update_me() -> Value {
    json!({"public_listing": true, "work_phone": "010-6500 1234"})
}

pub fn public_grid() -> Value {
    json!({
        "code": "DEMO-E-C1-G1",
        "name": "和平里第一网格",
        "levels": [
            {"kind": "grid", "code": "DEMO-E-C1-G1", "name": "和平里第一网格", "responsible_person": "李网格长", "contact_phone": "010-6500 1001"},
            {"kind": "community", "code": "DEMO-E-C1", "name": "和平里社区", "responsible_person": "张书记", "contact_phone": "010-6500 1000"},
            {"kind": "street", "code": "DEMO-E", "name": "东街道", "responsible_person": null, "contact_phone": null},
            {"kind": "district", "code": "DEMO", "name": "示范区", "responsible_person": null, "contact_phone": "12345"}
        ],
        "grid_workers": [{"display_name": "刘网格员", "work_phone": "010-6500 1234"}]
    })
}

pub fn public_case() -> Value {
    json!({
        "number": "2026-000123",
        "category_code": "sanitation",
        "category": "环境卫生",
        "status": "closed",
        "grid": "和平里第一网格",
        "reported_at": "2026-11-02T01:12:00Z",
        "closed_at": "2026-11-03T07:40:00Z",
        "rating": null,
        "may_rate": true,
        "timeline": [
            {"type": "reported", "at": "2026-11-02T01:12:00Z", "status": "reported", "note": null, "department": null},
            {"type": "accepted", "at": "2026-11-02T01:30:00Z", "status": "accepted", "note": null, "department": null},
            {"type": "dispatched", "at": "2026-11-02T01:31:00Z", "status": "dispatched", "note": null, "department": "区城市管理局"},
            {"type": "resolved", "at": "2026-11-03T06:00:00Z", "status": "resolved", "note": "已清运 cleared away", "department": null},
            {"type": "verified", "at": "2026-11-03T07:40:00Z", "status": "closed", "note": null, "department": null}
        ]
    })
}

pub fn public_feedback() -> Value {
    json!({"rating": "satisfied", "comment": "很快就清理干净了 cleaned up quickly"})
}

pub fn ranking_weights() -> Value {
    json!({"on_time_closure_rate": 0.5, "closure_rate": 0.3, "rework_rate": -0.2, "timely_acceptance_rate": 0.0})
}

pub fn media_info() -> Value {
    json!({
        "media_id": "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a",
        "content_type": "image/jpeg",
        "bytes": 2_481_113,
        "width": 4032,
        "height": 3024,
        "duration_s": null,
        "taken_at": "2026-11-28T01:42:10Z",
        "gps": {"lat": 39.9021, "lon": 116.4013},
        "thumbnail": true
    })
}

pub fn upload_info() -> Value {
    json!({
        "upload_id": "0b9e6a52-3c1f-4d2e-9a7b-5f0c8e1d2a34",
        "location": "/api/v1/uploads/0b9e6a52-3c1f-4d2e-9a7b-5f0c8e1d2a34",
        "length": 5_242_880,
        "offset": 0
    })
}

pub fn attach_media() -> Value {
    json!({
        "media": [{"media_id": "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a", "caption": "整改后 after clean-up"}],
        "stage": "resolution",
        "internal": false
    })
}

pub fn mark_read() -> Value {
    json!({"up_to": "0193a7b2-5c1e-7d3f-8a9b-0c1d2e3f4a5b"})
}

pub fn register_device() -> Value {
    json!({"platform": "android", "provider": "huawei", "push_token": "IQAAAACy0kYkAADt2M9Vq0nSdQm5mQ"})
}

pub fn create_webhook() -> Value {
    json!({"url": "https://114.114.114.114/gridline/events", "events": ["reported", "verified"], "unit_id": null})
}

pub fn update_webhook() -> Value {
    json!({"active": true})
}
