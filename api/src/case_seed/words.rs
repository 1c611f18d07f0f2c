//! The text of seeded cases: descriptions and addresses as grid workers write
//! them, drawn from a seeded generator so that `--seed` repeats a district.

use gridline_domain::cases::Category;

/// SplitMix64: small, fast, and the same sequence on every machine.
pub(super) struct Dice(u64);

impl Dice {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed ^ 0x5EED_CA5E_D15C_0001)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Uniform in `[lo, hi)`.
    pub(super) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// An index drawn by weight.
    pub(super) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    pub(super) fn bytes16(&mut self) -> [u8; 16] {
        let (a, b) = (self.next().to_le_bytes(), self.next().to_le_bytes());
        let mut out = [0; 16];
        out[..8].copy_from_slice(&a);
        out[8..].copy_from_slice(&b);
        out
    }
}

const ROADS: &[&str] =
    &["和平路", "光明街", "幸福大道", "东华路", "西城路", "建设路", "解放街", "人民路", "文化街", "胜利路"];
const PLACES: &[&str] = &[
    "小区东门",
    "3号楼下",
    "菜市场旁",
    "公交站台",
    "学校门口",
    "地下车库入口",
    "单元楼道",
    "健身广场",
    "便利店门前",
    "停车场",
    "垃圾分类站",
    "社区卫生站对面",
    "老旧小区内",
    "十字路口",
    "河道边",
];
const DETAILS: &[&str] = &[
    "已持续三天",
    "居民反映强烈",
    "影响通行",
    "存在安全隐患",
    "夜间尤为严重",
    "多次劝导无效",
    "老人小孩经过较多",
    "雨后更明显",
    "周边商户投诉",
    "请尽快处理",
    "需要协调相关部门",
    "已拍照留证",
];

/// What is seen for each kind of problem, so that searches find real phrases.
fn sightings(code: &str) -> &'static [&'static str] {
    match code {
        "sanitation" | "environment" => {
            &["垃圾堆放未清运", "生活垃圾满溢", "建筑垃圾乱倒", "污水外溢", "绿化带杂物堆积"]
        }
        "street_vending" => &["流动摊贩占道经营", "店外经营占用人行道", "夜市摊点油烟扰民", "早点摊占道"],
        "illegal_construction" => &["楼顶违章搭建", "私自圈占绿地", "阳台违规外扩", "违建彩钢房"],
        "traffic" | "disorderly_parking" => {
            &["车辆乱停乱放堵塞消防通道", "共享单车堆积", "机动车占用盲道", "僵尸车长期停放"]
        }
        "safety" | "hanging_wire_charging" => {
            &["电动车飞线充电", "楼道内飞线充电", "私拉电线给电瓶车充电", "窗口垂下充电线"]
        }
        "fire_hazard" => &["楼道堆放杂物堵塞通道", "消防栓被遮挡", "灭火器过期", "安全出口上锁"],
        "facilities" | "damaged_facility" => &["路灯不亮", "井盖破损", "健身器材损坏", "单元门禁损坏", "路面塌陷"],
        "community_affairs" | "neighbour_dispute" => {
            &["邻里噪音纠纷", "楼上漏水引发纠纷", "宠物扰民纠纷", "公共区域占用纠纷"]
        }
        "red_errand" => &["独居老人代办医保", "残疾人证件代办", "老人代缴水电费", "高龄补贴申请代办"],
        _ => &["其他需要处置的问题", "群众来电反映情况", "需要核实的情况"],
    }
}

pub(super) fn address(dice: &mut Dice) -> String {
    format!("{}{}号{}", dice.pick(ROADS), 1 + dice.below(200), dice.pick(PLACES))
}

pub(super) fn description(dice: &mut Dice, category: &Category, address: &str) -> String {
    let seen = dice.pick(sightings(&category.code));
    let detail = dice.pick(DETAILS);
    if dice.chance(0.15) {
        format!("{address}{seen}，{detail}。Reported via the grid app ({}).", category.name_en.to_lowercase())
    } else {
        format!("{address}{seen}，{detail}。")
    }
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];

pub(super) fn resident(dice: &mut Dice) -> (String, String) {
    let name = format!("{}{}", dice.pick(SURNAMES), if dice.chance(0.5) { "先生" } else { "女士" });
    let phone = format!("13{}{:08}", dice.below(10), dice.below(100_000_000));
    (name, phone)
}
