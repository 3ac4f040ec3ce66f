"""`supplyscreen match` and `supplyscreen compare`: single names and JSONL batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_cli


def test_match_prints_a_table_with_the_hikvision_entity(screener_home: Path, capsys, monkeypatch) -> None:
    code, out, _ = run_cli(["match", "HIKVISION", "--home", str(screener_home)], capsys, monkeypatch)
    assert code == 0
    assert "us_ofac_nonsdn:30946" in out and "match" in out


def test_match_json_has_the_documented_fields(screener_home: Path, capsys, monkeypatch) -> None:
    code, out, _ = run_cli(
        ["match", "陈全国", "--schema", "Person", "--json", "--home", str(screener_home)], capsys, monkeypatch
    )
    assert code == 0
    hit = json.loads(out)["hits"][0]
    assert {
        "entity_id",
        "caption",
        "names",
        "source_ids",
        "lists",
        "score",
        "match",
        "matched_name",
        "explanation",
    } <= set(hit)
    assert hit["entity_id"] == "us_ofac_sdn:29220" and hit["match"] is True


def test_batch_keeps_input_order_and_answers_every_line(
    screener_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        "\n".join(
            json.dumps(x, ensure_ascii=False)
            for x in [
                {"qid": "a", "query": "Dahua Technology", "schema": "Company", "country": "cn", "extra": 1},
                {"qid": "b", "query": "Qwzxv Plonk Gmbh", "schema": None, "country": None},
                {"qid": "c", "query": "新疆生产建设兵团"},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out_path = tmp_path / "r.jsonl"
    code, _, err = run_cli(
        [
            "match",
            "--input",
            str(queries),
            "--output",
            str(out_path),
            "--limit",
            "2",
            "--home",
            str(screener_home),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out_path.open(encoding="utf-8")]
    assert [r["qid"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["hits"][0]["match"] and len(rows[0]["hits"]) <= 2
    assert rows[1]["hits"] == [] or not any(h["match"] for h in rows[1]["hits"])
    assert rows[2]["hits"][0]["entity_id"] == "us_ofac_sdn:29299"


def test_batch_with_two_workers_gives_the_same_lines(
    screener_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    queries = tmp_path / "q.jsonl"
    names = ["Hikvision", "Dahua", "XPCC", "Gazprom Bank", "Bank of Chad", "Chen Quanguo"] * 30
    queries.write_text(
        "\n".join(json.dumps({"qid": i, "query": n}) for i, n in enumerate(names)), encoding="utf-8"
    )
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    for target, workers in ((one, "1"), (two, "2")):
        code, _, err = run_cli(
            [
                "match",
                "--input",
                str(queries),
                "--output",
                str(target),
                "--workers",
                workers,
                "--home",
                str(screener_home),
            ],
            capsys,
            monkeypatch,
        )
        assert code == 0, err
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")


def test_batch_with_a_broken_line_names_file_and_line(
    screener_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": 1, "query": "Hikvision"}\n{"qid": 2, "query": \n', encoding="utf-8")
    out_path = tmp_path / "r.jsonl"
    code, _, err = run_cli(
        ["match", "--input", str(queries), "--output", str(out_path), "--home", str(screener_home)],
        capsys,
        monkeypatch,
    )
    assert code == 2
    assert "q.jsonl, line 2" in err
    assert not out_path.exists()  # no half-written output


@pytest.mark.parametrize("progress", ["", "1"], ids=["no-bar", "bar"])
def test_batch_with_a_missing_input_is_a_one_line_error(
    progress: str, screener_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("SUPPLYSCREEN_PROGRESS", progress)  # "1": the bar is shown and counts the lines first
    monkeypatch.chdir(tmp_path)  # short relative paths, so the message is not wrapped
    code, _, err = run_cli(
        ["match", "--input", "missing.jsonl", "--output", "x.jsonl", "--home", str(screener_home)],
        capsys,
        monkeypatch,
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "missing.jsonl: cannot read" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no output, no leftover x.jsonl.tmp


def test_compare_single_and_batch(screener_home: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    code, out, _ = run_cli(
        ["compare", "Bank of Chad", "Bank of China", "--home", str(screener_home)], capsys, monkeypatch
    )
    assert code == 0 and "no match" in out
    pairs = tmp_path / "p.jsonl"
    pairs.write_text(
        '{"id": "1", "a": "Hangzhou Hikvision Digital Technology Co., Ltd.", '
        '"b": "HIKVISION DIGITAL TECHNOLOGY", "schema": "Company"}\n'
        '{"id": "2", "a": "Bank of China", "b": "Bank of Chad", "schema": "Company"}\n',
        encoding="utf-8",
    )
    out_path = tmp_path / "o.jsonl"
    code, _, err = run_cli(
        ["compare", "--input", str(pairs), "--output", str(out_path), "--home", str(screener_home)],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    rows = {r["id"]: r for r in map(json.loads, out_path.open(encoding="utf-8"))}
    assert rows["1"]["match"] is True and rows["2"]["match"] is False
    assert {"score", "match", "explanation"} <= set(rows["1"])
