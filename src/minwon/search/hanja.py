"""Hangul readings of the Hanja common in administrative Korean (a small hand-made table).

Citizens and older documents sometimes write terms in Hanja (過怠料, 自動車稅, 上水道料金). The table gives
the standard (non-initial) reading of about 400 characters that occur in municipal vocabulary: taxes,
fines, water, roads, vehicles, permits, welfare, documents and places. Readings follow the standard
dictionary (표준국어대사전); :func:`initial_form` applies the initial-sound rule (두음법칙, 한글 맞춤법
제10–12항) for the first syllable of a word. Characters not in the table are left unchanged.
"""

from __future__ import annotations

_TABLE = """
家가 價가 加가 可가 街가 暇가 假가 各각 角각 刻각 間간 看간 幹간 簡간 減감 監감 感감 甲갑
江강 講강 強강 降강 改개 個개 開개 介개 更갱 客객 去거 居거 巨거 車거 擧거 件건 建건 健건
檢검 格격 擊격 見견 牽견 決결 結결 缺결 京경 經경 警경 境경 輕경 競경 景경 慶경 耕경 計계
界계 系계 係계 季계 契계 階계 繼계 告고 高고 古고 固고 考고 故고 庫고 雇고 穀곡 曲곡 困곤
公공 共공 工공 空공 功공 供공 科과 課과 過과 果과 官관 管관 關관 觀관 館관 光광 廣광 鑛광
交교 校교 敎교 橋교 郊교 區구 口구 救구 求구 究구 構구 舊구 國국 局국 君군 郡군 軍군 宮궁
權권 券권 卷권 勸권 歸귀 規규 均균 極극 劇극 近근 勤근 根근 金금 禁금 給급 級급 急급 企기
基기 期기 技기 記기 氣기 機기 起기 器기 寄기 緊긴 難난 暖난 南남 男남 納납 內내 年년 念념
勞로 農농 能능 多다 單단 團단 斷단 段단 短단 達달 談담 擔담 答답 畓답 當당 黨당 代대 待대
對대 貸대 大대 隊대 宅댁 德덕 圖도 道도 都도 度도 渡도 盜도 導도 到도 獨독 督독 讀독 毒독
洞동 動동 同동 東동 冬동 棟동 頭두 得득 登등 等등 燈등 落락 樂락 亂란 覽람 來래 冷랭 略략
量량 兩량 糧량 良량 旅려 力력 歷력 連련 練련 聯련 列렬 令령 領령 例례 禮례 路로 老로 勞로
錄록 論론 料료 療료 龍룡 留류 流류 類류 陸륙 輪륜 律률 率률 利리 理리 里리 裏리 離리 林림
臨림 立립 馬마 滿만 萬만 末말 亡망 望망 賣매 買매 每매 免면 面면 名명 命명 明명 毛모 募모
模모 目목 木목 無무 務무 武무 貿무 文문 問문 門문 物물 未미 美미 民민 密밀 博박 反반 返반
半반 發발 方방 放방 房방 訪방 防방 妨방 配배 排배 背배 培배 番번 犯범 範범 法법 壁벽 變변
邊변 辯변 別별 病병 保보 報보 補보 步보 普보 福복 服복 復복 複복 本본 奉봉 部부 否부 付부
負부 附부 婦부 府부 富부 副부 賦부 北북 分분 紛분 不불 佛불 備비 費비 比비 非비 秘비 批비
貧빈 氷빙 事사 社사 使사 寺사 死사 私사 査사 寫사 辭사 士사 師사 史사 思사 舍사 詐사 産산
算산 山산 散산 殺살 三삼 上상 常상 商상 賞상 狀상 相상 想상 償상 像상 生생 書서 署서 序서
西서 石석 席석 選선 線선 船선 宣선 先선 善선 設설 說설 城성 成성 性성 聲성 誠성 稅세 世세
洗세 細세 勢세 歲세 所소 消소 小소 少소 訴소 素소 燒소 屬속 速속 續속 損손 送송 訟송 水수
受수 收수 手수 數수 修수 需수 輸수 授수 首수 秀수 宿숙 順순 巡순 術술 習습 乘승 承승 勝승
市시 時시 施시 示시 視시 試시 始시 式식 食식 植식 識식 申신 新신 身신 信신 室실 實실 失실
心심 審심 十십 兒아 安안 案안 眼안 案안 暗암 壓압 愛애 額액 野야 夜야 藥약 約약 洋양 養양
樣양 陽양 讓양 語어 漁어 言언 業업 餘여 與여 域역 驛역 役역 譯역 易역 硏연 延연 煙연 燃연
演연 然연 熱열 葉엽 營영 英영 映영 永영 豫예 藝예 五오 誤오 汚오 屋옥 溫온 完완 往왕 外외
要요 曜요 浴욕 用용 容용 勇용 右우 牛우 雨우 郵우 優우 運운 雲운 園원 院원 員원 原원 源원
願원 援원 月월 位위 委위 危위 違위 衛위 圍위 有유 油유 遺유 乳유 育육 銀은 恩은 音음 飮음
邑읍 應응 議의 意의 醫의 義의 依의 衣의 二이 移이 以이 異이 益익 人인 認인 引인 印인 因인
一일 日일 任임 賃임 入입 子자 自자 者자 資자 字자 姉자 作작 殘잔 雜잡 場장 長장 章장 障장
裝장 獎장 掌장 在재 財재 災재 再재 材재 裁재 爭쟁 低저 貯저 著저 積적 籍적 適적 赤적 電전
前전 全전 傳전 戰전 專전 展전 錢전 轉전 田전 節절 切절 店점 點점 接접 停정 定정 政정 情정
整정 正정 精정 程정 淨정 庭정 制제 製제 提제 除제 濟제 第제 題제 祭제 際제 諸제 條조 調조
組조 助조 造조 早조 鳥조 租조 族족 足족 存존 卒졸 種종 終종 宗종 從종 座좌 左좌 罪죄 主주
住주 注주 駐주 週주 走주 州주 準준 中중 重중 衆중 增증 證증 地지 指지 支지 知지 持지 志지
止지 紙지 誌지 職직 直직 進진 眞진 診진 質질 集집 執집 徵징 車차 次차 差차 借차 着착 參참
窓창 創창 債채 採채 冊책 責책 策책 處처 妻처 天천 川천 千천 鐵철 廳청 請청 淸청 聽청 體체
滯체 替체 初초 超초 草초 村촌 總총 最최 推추 追추 祝축 築축 縮축 出출 充충 蟲충 取취 就취
測측 層층 治치 置치 値치 齒치 親친 七칠 侵침 打타 他타 託탁 炭탄 彈탄 探탐 態태 怠태 太태
宅택 擇택 土토 通통 統통 退퇴 投투 特특 波파 破파 判판 販판 八팔 敗패 便편 片편 平평 評평
閉폐 廢폐 包포 布포 暴폭 爆폭 表표 票표 標표 品품 風풍 豐풍 避피 被피 必필 筆필 下하 河하
夏하 學학 韓한 限한 寒한 漢한 合합 港항 抗항 航항 海해 解해 害해 行행 幸행 向향 鄕향 許허
憲헌 驗험 險험 革혁 現현 縣현 協협 形형 刑형 號호 戶호 護호 好호 湖호 婚혼 火화 化화 話화
貨화 畵화 確확 擴확 患환 換환 環환 還환 活활 況황 會회 回회 劃획 獲획 效효 後후 候후 訓훈
休휴 凶흉 黑흑 興흥 希희
"""

#: Hanja → standard Hangul reading (non-initial form: 料 → 료).
READINGS: dict[str, str] = {
    item[0]: item[1:] for line in _TABLE.split("\n") for item in line.split() if len(item) == 2
}

_HANGUL_BASE, _JUNG, _JONG = 0xAC00, 21, 28
_RIEUL, _NIEUN, _IEUNG = 5, 2, 11  # initial consonant indices ㄹ, ㄴ, ㅇ
#: Medial vowels (ㅑ ㅕ ㅖ ㅛ ㅠ ㅣ) before which ㄹ/ㄴ become ㅇ at the start of a word.
_Y_VOWELS = {2, 6, 7, 12, 17, 20}


def initial_form(reading: str) -> str:
    """The reading as the first syllable of a word (두음법칙): 료 → 요, 력 → 역, 녀 → 여, 로 → 노."""
    if not reading:
        return reading
    code = ord(reading[0]) - _HANGUL_BASE
    if not 0 <= code < 11172:
        return reading
    initial, medial, final = code // (_JUNG * _JONG), (code // _JONG) % _JUNG, code % _JONG
    if initial == _RIEUL:
        initial = _IEUNG if medial in _Y_VOWELS else _NIEUN
    elif initial == _NIEUN and medial in _Y_VOWELS:
        initial = _IEUNG
    else:
        return reading
    return chr(_HANGUL_BASE + (initial * _JUNG + medial) * _JONG + final) + reading[1:]
