"""The parse cache: same tree as parsing, keyed by content, harmless when damaged or off."""

from perfrules.language import cache
from perfrules.language.files import parse_file
from perfrules.language.parser import parse_text

TEXT = "词表 模糊用语: 提升\n规则 A-01 「名称」 错误\n  每个指标: 指标值须可衡量\n评分项 组/项 分值 8\n  得分 = 最小(执行率, 100%) × 分值\n"


def test_cached_tree_equals_parsed_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(tmp_path / "c"))
    f = tmp_path / "a.rules"
    f.write_text(TEXT, encoding="utf-8")
    first = parse_file(str(f), "a.rules")
    assert len(list((tmp_path / "c").iterdir())) == 1
    second = parse_file(str(f), "a.rules")  # from the cache
    assert second == first == parse_text(TEXT, "a.rules")
    assert second.text == TEXT and second.rules[0].span == first.rules[0].span
    f.write_text(TEXT.replace("A-01", "A-02"), encoding="utf-8")
    assert parse_file(str(f), "a.rules").rules[0].id == "A-02"  # new text, new key


def test_damaged_entry_and_disabled_cache_fall_back_to_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(tmp_path / "c"))
    f = tmp_path / "a.rules"
    f.write_text(TEXT, encoding="utf-8")
    parse_file(str(f), "a.rules")
    for entry in (tmp_path / "c").iterdir():
        entry.write_text('{"$c": "os.system"}', encoding="utf-8")  # never code: an unknown class
    assert parse_file(str(f), "a.rules") == parse_text(TEXT, "a.rules")
    monkeypatch.setenv("PERFRULES_CACHE_DIR", "")
    assert cache.cache_dir() is None
    assert parse_file(str(f), "a.rules") == parse_text(TEXT, "a.rules")


def test_the_parser_leaves_no_pickle_in_the_temp_folder(tmp_path, monkeypatch):
    """Lark's own cache is a pickle at a predictable temp path: loading one planted by
    another user would run their code. The parser must neither write nor read one."""
    import tempfile

    from perfrules.language import parser
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    parser.lark_parser.cache_clear()
    try:
        parser.lark_parser()
    finally:
        parser.lark_parser.cache_clear()
    assert list(tmp_path.iterdir()) == []
