"""The rulebook engine: answers questions from the rule versions, pure and deterministic.

Who may act comes only from the data; the engine knows the shape of a question (action, level,
post, date, delegation) and the order in which the law's conditions are checked, never a list
of posts. Every answer carries the citation of the rule that gave it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bmnn.rules.model import (
    ACTIONS,
    LEVELS,
    NOTICE_EVENTS,
    PERIOD_KINDS,
    Citation,
    Decision,
    Delegation,
    Holding,
    LegalText,
    Level,
    Period,
    Post,
    RuleError,
    RuleVersion,
    vi_date,
    weakest,
)

_MAX_SAME_AS_DEPTH = 4  # cross-references in the law go one or two steps deep


@dataclass(frozen=True)
class _Grant:
    post: str
    citation: Citation
    confidence: str
    note: str
    via: str  # the citations a `same_as` chain went through, down to the post's own; else ""


class Rulebook:
    """The law as loaded rule versions; build it with `bmnn.rules.load_rulebook()`."""

    def __init__(
        self,
        *,
        texts: Mapping[str, LegalText],
        levels: Mapping[str, Level],
        action_names: Mapping[str, str],
        posts: Mapping[str, Post],
        groups: Mapping[str, tuple[str, tuple[str, ...]]],
        versions: Iterable[RuleVersion],
        problems: Iterable[str] = (),
    ) -> None:
        self.texts: dict[str, LegalText] = dict(texts)
        self.levels: dict[str, Level] = dict(levels)
        self.action_names: dict[str, str] = dict(action_names)
        self.posts: dict[str, Post] = dict(posts)
        self.groups: dict[str, tuple[str, tuple[str, ...]]] = dict(groups)
        self.versions: tuple[RuleVersion, ...] = tuple(versions)
        self.load_problems: tuple[str, ...] = tuple(problems)
        self._by_rule: dict[str, list[RuleVersion]] = {}
        for v in self.versions:
            self._by_rule.setdefault(v.rule, []).append(v)
        for versions_of_rule in self._by_rule.values():
            versions_of_rule.sort(key=lambda v: v.effective_from)
        self._problems: list[str] | None = None

    # ------------------------------------------------------------------ small helpers
    def cite(self, citation: Citation | None) -> str:
        if citation is None or not citation.text:
            return "(chưa có căn cứ pháp lý)"
        return citation.render(self.texts)

    def _object(self, level: str) -> str:
        return f"tài liệu, vật chứa bí mật nhà nước độ {self.levels[level].vi}"

    def _validate(self, action: str | None, level: str | None, post: str | None = None) -> None:
        if action is not None and action not in ACTIONS:
            raise RuleError(f"Hành vi không hợp lệ: {action!r}. Các giá trị: {', '.join(ACTIONS)}")
        if level is not None and level not in LEVELS:
            raise RuleError(f"Độ mật không hợp lệ: {level!r}. Các giá trị: {', '.join(LEVELS)}")
        if post is not None and post not in self.posts:
            raise RuleError(f"Chức vụ không có trong bộ quy tắc: {post!r}")

    @staticmethod
    def _date(on: object, what: str = "ngày") -> date:
        if not isinstance(on, date):
            raise RuleError(f"{what.capitalize()} không hợp lệ: {on!r} (cần một ngày)")
        return on

    def _authority(self, action: str, level: str, on: date) -> list[RuleVersion]:
        return [
            v
            for v in self.versions
            if v.kind == "authority" and v.action == action and level in v.levels and v.in_force(on)
        ]

    def provision(self, rule_id: str, on: date) -> RuleVersion | None:
        """The version of a provision (period, deadline, …) in force on `on`, if any."""
        return next((v for v in self._by_rule.get(rule_id, ()) if v.in_force(on)), None)

    def provision_near(self, rule_id: str, on: date) -> RuleVersion:
        # Dates outside every version (a secret classified long ago, an expiry far ahead) use
        # the nearest version: the first one before its start, the last one after its end.
        found = self.provision(rule_id, on)
        if found:
            return found
        versions = self._by_rule.get(rule_id)
        if not versions:
            raise RuleError(f"Bộ quy tắc thiếu quy định {rule_id!r}")
        return versions[0] if on < versions[0].effective_from else versions[-1]

    # ------------------------------------------------------------------ who holds what
    def _grants(self, version: RuleVersion, level: str, on: date, depth: int = 0) -> list[_Grant]:
        grants: list[_Grant] = []
        for holder in version.holders:
            confidence = holder.confidence or version.confidence
            if holder.same_as is not None:
                if depth >= _MAX_SAME_AS_DEPTH:
                    continue  # a cycle in broken data; check() reports it
                action, same_level = holder.same_as[0], holder.same_as[1] or level
                for inner in self._authority(action, same_level, on):
                    for g in self._grants(inner, same_level, on, depth + 1):
                        grants.append(
                            _Grant(
                                g.post,
                                holder.citation,
                                weakest(confidence, g.confidence),
                                holder.note,
                                # The whole chain, down to the clause that names the post.
                                "; ".join(x for x in (self.cite(g.citation), g.via) if x),
                            )
                        )
                continue
            posts = holder.posts
            if holder.group is not None:
                posts = posts + self.groups.get(holder.group, ("", ()))[1]
            grants.extend(_Grant(p, holder.citation, confidence, holder.note, "") for p in posts)
        return grants

    def _grant(self, versions: list[RuleVersion], level: str, post: str, on: date):
        for v in versions:
            for g in self._grants(v, level, on):
                if g.post == post:
                    return v, g
        return None, None

    def _holds(self, action: str, level: str, post: str, on: date) -> bool:
        return self._grant(self._authority(action, level, on), level, post, on)[1] is not None

    # ------------------------------------------------------------------ decide
    def decide(
        self,
        action: str,
        level: str,
        post: str,
        on: date,
        delegation: Delegation | None = None,
    ) -> Decision:
        """May `post` do `action` on an item of `level` on `on` (under `delegation`, if given)?"""
        self._validate(action, level, post)
        on = self._date(on)
        versions = self._authority(action, level, on)
        act, obj = self.action_names.get(action, action), self._object(level)
        if not versions:
            return self._no_rule(action, level, on, act, obj)
        primary = versions[0]
        cited = "; ".join(dict.fromkeys(self.cite(v.citation) for v in versions))
        holder = self.posts[post]
        if not holder.exists_on(on):
            return Decision(
                False, cited, primary.confidence, self._not_existing(holder, on), primary.id
            )
        version, grant = self._grant(versions, level, post, on)
        if grant is not None:
            via = f" (người quy định tại {grant.via})" if grant.via else ""
            return Decision(
                True,
                self.cite(grant.citation),
                grant.confidence,
                f"{holder.vi} có thẩm quyền {act} {obj} theo {self.cite(grant.citation)}{via}.",
                version.id,
            )
        if delegation is None:
            return Decision(
                False,
                cited,
                primary.confidence,
                f"Chức vụ {holder.vi} không có thẩm quyền {act} {obj} theo {cited}.",
                primary.id,
            )
        return self._delegated(action, level, holder, on, delegation, versions, cited)

    def _no_rule(self, action: str, level: str, on: date, act: str, obj: str) -> Decision:
        every = [
            v
            for v in self.versions
            if v.kind == "authority" and v.action == action and level in v.levels
        ]
        reason = (
            f"Không có quy định nào về thẩm quyền {act} {obj} có hiệu lực vào ngày "
            f"{vi_date(on)}; từ chối vì không xác định được thẩm quyền."
        )
        if not every:
            return Decision(False, "(bộ quy tắc không có quy định)", "unknown", reason, "")
        nearest = min(every, key=lambda v: abs((v.effective_from - on).days))
        reason += (
            f" Quy định gần nhất: {self.cite(nearest.citation)} (hiệu lực từ "
            f"{vi_date(nearest.effective_from)} đến {vi_date(nearest.effective_to)})."
        )
        return Decision(False, self.cite(nearest.citation), "unknown", reason, nearest.id)

    @staticmethod
    def _not_existing(post: Post, on: date) -> str:
        if post.valid_to is not None and on > post.valid_to:
            text = (
                f"Chức vụ {post.vi} không còn tồn tại vào ngày {vi_date(on)} "
                f"(chỉ áp dụng đến hết ngày {vi_date(post.valid_to)})."
            )
        else:
            text = (
                f"Chức vụ {post.vi} chưa được áp dụng vào ngày {vi_date(on)} "
                f"(chỉ áp dụng từ ngày {vi_date(post.valid_from)})."
            )
        return f"{text} {post.note}".strip()

    def _delegated(
        self,
        action: str,
        level: str,
        delegate: Post,
        on: date,
        record: Delegation,
        versions: list[RuleVersion],
        cited: str,
    ) -> Decision:
        """The law's conditions on a written delegation, each refused with its own citation."""
        act, obj = self.action_names.get(action, action), self._object(level)
        primary = versions[0]

        def refuse(reason: str, citation: str, confidence: str, rule_id: str) -> Decision:
            return Decision(False, citation, confidence, reason, rule_id)

        delegable = [v for v in versions if v.delegation is not None]
        if not delegable:
            return refuse(
                f"Thẩm quyền {act} {obj} không được ủy quyền: {cited} không quy định việc ủy "
                "quyền cho cấp phó.",
                cited,
                primary.confidence,
                primary.id,
            )
        self._validate(None, None, record.delegator_post)
        for code in record.actions or ():
            self._validate(code, None)
        for code in record.levels or ():
            self._validate(None, code)
        rule = delegable[0]
        terms = rule.delegation
        dcite, dconf = self.cite(terms.citation), terms.confidence
        delegator = self.posts[record.delegator_post]

        if record.delegator_is_delegate or delegator.delegated_only:
            sub_cite = terms.subdelegation_citation or terms.citation
            return refuse(
                f"Người được ủy quyền không được ủy quyền tiếp cho người khác ({delegator.vi} "
                f"đang thực hiện thẩm quyền được ủy quyền) theo {self.cite(sub_cite)}.",
                self.cite(sub_cite),
                terms.subdelegation_confidence or dconf,
                rule.id,
            )
        if not delegate.deputy:
            return refuse(
                f"Chỉ cấp phó mới được ủy quyền theo {dcite}; chức vụ {delegate.vi} không phải "
                "cấp phó.",
                dcite,
                dconf,
                rule.id,
            )
        if not delegator.exists_on(on):
            return refuse(self._not_existing(delegator, on), cited, primary.confidence, primary.id)
        version, grant = self._grant(versions, level, delegator.code, on)
        if grant is None:
            return refuse(
                f"Người ủy quyền ({delegator.vi}) không có thẩm quyền {act} {obj} vào ngày "
                f"{vi_date(on)} theo {cited}, nên không thể ủy quyền.",
                cited,
                primary.confidence,
                primary.id,
            )
        if version.delegation is None:
            return refuse(
                f"Thẩm quyền {act} {obj} của {delegator.vi} theo {self.cite(version.citation)} "
                "không được ủy quyền.",
                self.cite(version.citation),
                version.confidence,
                version.id,
            )
        terms = version.delegation
        dcite, dconf = self.cite(terms.citation), terms.confidence
        if terms.requires is not None:
            need_action, need_level, who = terms.requires
            if not self._holds(need_action, need_level, delegator.code, on):
                return refuse(
                    f"Theo {dcite}, chỉ {who} mới được ủy quyền; {delegator.vi} không thuộc "
                    "trường hợp này.",
                    dcite,
                    dconf,
                    version.id,
                )
        if record.actions is not None and action not in record.actions:
            return refuse(
                f"Văn bản ủy quyền không bao gồm việc {act} (phạm vi ủy quyền phải ghi rõ "
                f"theo {dcite}).",
                dcite,
                dconf,
                version.id,
            )
        if record.levels is not None and level not in record.levels:
            return refuse(
                f"Văn bản ủy quyền không bao gồm độ {self.levels[level].vi} (phạm vi ủy quyền "
                f"phải ghi rõ theo {dcite}).",
                dcite,
                dconf,
                version.id,
            )
        if (record.valid_from is not None and on < record.valid_from) or (
            record.valid_to is not None and on > record.valid_to
        ):
            term = " ".join(
                part
                for part in (
                    f"từ {vi_date(record.valid_from)}" if record.valid_from else "",
                    f"đến hết {vi_date(record.valid_to)}" if record.valid_to else "",
                )
                if part
            )
            return refuse(
                f"Văn bản ủy quyền không có hiệu lực vào ngày {vi_date(on)} (thời hạn ủy quyền "
                f"{term}) theo {dcite}.",
                dcite,
                dconf,
                version.id,
            )
        return Decision(
            True,
            f"{dcite}; {self.cite(grant.citation)}",
            weakest(dconf, grant.confidence),
            f"{delegate.vi} thực hiện theo văn bản ủy quyền của {delegator.vi}: {act} {obj}, "
            f"theo {dcite}; thẩm quyền gốc: {self.cite(grant.citation)}.",
            version.id,
        )

    # ------------------------------------------------------------------ explain
    def explain(self, action: str, level: str, on: date) -> list[Holding]:
        """Every post holding `action` at `level` on `on`, with citation and confidence."""
        self._validate(action, level)
        on = self._date(on)
        rows: dict[str, Holding] = {}
        for v in self._authority(action, level, on):
            for g in self._grants(v, level, on):
                post = self.posts.get(g.post)
                if g.post in rows or post is None or not post.exists_on(on):
                    continue
                delegable = (
                    v.delegation is not None
                    and not post.delegated_only
                    and (
                        v.delegation.requires is None
                        or self._holds(*v.delegation.requires[:2], g.post, on)
                    )
                )
                note = "; ".join(x for x in (f"theo {g.via}" if g.via else "", g.note) if x)
                rows[g.post] = Holding(
                    g.post, post.vi, self.cite(g.citation), g.confidence, delegable, v.id, note
                )
        return list(rows.values())

    # ------------------------------------------------------------------ periods and deadlines
    def period(
        self, level: str, classified_on: date, kind: str = "document", years: int | None = None
    ) -> Period:
        """The protection period of a secret whose level was set on `classified_on`."""
        self._validate(None, level)
        classified_on = self._date(classified_on, "ngày xác định độ mật")
        if kind not in PERIOD_KINDS:
            raise RuleError(
                f"Loại bí mật không hợp lệ: {kind!r}. Các giá trị: {', '.join(PERIOD_KINDS)}"
            )
        if years is not None and (isinstance(years, bool) or not isinstance(years, int)):
            raise RuleError(f"Số năm không hợp lệ: {years!r}")
        base = self.provision_near("period.base", classified_on)
        base_cite, base_conf = self.cite(base.citation), base.confidence
        if classified_on < base.effective_from:
            if not base.earlier:
                raise RuleError(
                    f"Không có quy định về thời hạn bảo vệ cho bí mật xác định ngày "
                    f"{vi_date(classified_on)}."
                )
            earlier = base.earlier
            base_cite = self.cite(earlier.get("citation"))
            base_conf = str(earlier.get("confidence", base.confidence))
        base_years = int(base.value[level])

        if kind == "place":
            place = self.provision_near("period.place", classified_on)
            if years is not None:
                raise RuleError(
                    f"Bí mật về địa điểm không có thời hạn cố định (kết thúc khi không còn dùng "
                    f"địa điểm để chứa bí mật) theo {self.cite(place.citation)}."
                )
            return Period(None, None, self.cite(place.citation), place.confidence)

        citation, confidence, count = base_cite, base_conf, base_years
        if years is not None:
            if kind != "activity":
                raise RuleError(
                    "Chỉ bí mật về hoạt động mới được xác định thời hạn ngắn hơn thời hạn cơ "
                    f"bản; tài liệu, vật chứa độ {self.levels[level].vi} có thời hạn "
                    f"{base_years} năm theo {base_cite}."
                )
            activity = self.provision_near("period.activity", classified_on)
            if not 0 < years < base_years:
                raise RuleError(
                    f"Thời hạn bảo vệ bí mật về hoạt động phải ngắn hơn {base_years} năm và lớn "
                    f"hơn 0 theo {self.cite(activity.citation)}; nhận được {years} năm."
                )
            citation, confidence, count = self.cite(activity.citation), activity.confidence, years
        expires, shifted = self._add_years(classified_on, count)
        if shifted is not None:
            confidence = weakest(confidence, shifted.confidence)
            citation += f"; cách tính ngày 29/02: {self.cite(shifted.citation)}"
        deadline = self.provision_near("extension.deadline", expires)
        decide_by = expires - timedelta(days=int(deadline.value["days_before_expiry"]))
        return Period(
            expires,
            decide_by,
            citation,
            confidence,
            self.cite(deadline.citation),
            count,
        )

    def _add_years(self, start: date, years: int) -> tuple[date, RuleVersion | None]:
        """`start` plus whole years; 29/02 in a non-leap year follows the counting rule."""
        try:
            return start.replace(year=start.year + years), None
        except ValueError:
            counting = self.provision_near("period.counting", start)
            if counting.value.get("missing_day") == "next_day":
                return date(start.year + years, 3, 1), counting
            return date(start.year + years, 2, 28), counting

    def extension_limit_years(self, level: str, on: date) -> tuple[int, str]:
        """The longest one extension may be, decided on `on`, and its citation."""
        self._validate(None, level)
        on = self._date(on)
        limit = self.provision("extension.limit", on)
        if limit is None:
            raise RuleError(f"Không có quy định về gia hạn có hiệu lực vào ngày {vi_date(on)}.")
        base = self.provision_near("period.base", on)
        return int(base.value[level]), self.cite(limit.citation)

    def notice_due(self, event: str, on: date) -> tuple[date, str]:
        """The last day to notify in writing after an extension, adjustment or declassification
        decided on `on`. Calendar days: the Civil Code's shift past a weekend or holiday is not
        applied, so the system warns on the safe (earlier) side."""
        if event not in NOTICE_EVENTS:
            raise RuleError(
                f"Sự kiện không hợp lệ: {event!r}. Các giá trị: {', '.join(NOTICE_EVENTS)}"
            )
        on = self._date(on)
        rule = self.provision(f"notice.{event}", on)
        if rule is None:
            raise RuleError(
                f"Không có quy định về thời hạn thông báo có hiệu lực vào ngày {vi_date(on)}."
            )
        return on + timedelta(days=int(rule.value["days"])), self.cite(rule.citation)

    # ------------------------------------------------------------------ listings
    def texts_in_force(self, on: date) -> list[LegalText]:
        on = self._date(on)
        return sorted(
            (t for t in self.texts.values() if t.in_force(on)), key=lambda t: t.effective_from
        )

    def rules(self, on: date | None = None) -> list[RuleVersion]:
        """Every rule version (or those in force on `on`), by rule and start date."""
        found = [v for v in self.versions if on is None or v.in_force(on)]
        return sorted(found, key=lambda v: (v.kind, v.rule, v.effective_from))

    def prohibited_acts(self, on: date) -> list[RuleVersion]:
        on = self._date(on)
        return [v for v in self.rules(on) if v.kind == "prohibited"]

    def check(self) -> list[str]:
        """Problems in the data; [] means valid."""
        if self._problems is None:
            from bmnn.rules.checks import problems

            self._problems = problems(self)
        return list(self._problems)
