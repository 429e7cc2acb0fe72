"""SKILL.md front matter: `name` and `description` are required and bounded; every problem is one line."""

from __future__ import annotations

import pytest

from agentcore.skills import SkillError, parse_skill, skill_file_of

GOOD = "---\nname: kql-investigation\ndescription: Query the App tables in KQL. Use first.\n---\n# Body\nsteps\n"


def problem(text: str, folder: str | None = None) -> str:
    with pytest.raises(SkillError) as caught:
        parse_skill(text, source="team:skills/team/x/SKILL.md", folder=folder)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("team:skills/team/x/SKILL.md: ")
    return message


def test_a_valid_skill_has_its_name_description_and_whole_text() -> None:
    skill = parse_skill(GOOD, source="builtin", folder="kql-investigation")
    assert (skill.name, skill.description) == ("kql-investigation", "Query the App tables in KQL. Use first.")
    assert skill.text == GOOD
    assert skill.path == "skills/kql-investigation/SKILL.md"


def test_quoted_values_and_extra_fields_are_accepted() -> None:
    skill = parse_skill("---\nname: \"a-b\"\ndescription: 'x: y'\nlicense: MIT\n---\n", source="s")
    assert (skill.name, skill.description) == ("a-b", "x: y")


def test_a_file_without_front_matter_is_refused() -> None:
    assert "does not start with a `---` front matter block" in problem("# Just a heading\n")


def test_an_unclosed_front_matter_block_is_refused() -> None:
    assert "not closed" in problem("---\nname: a\ndescription: b\n")


def test_a_missing_name_is_refused() -> None:
    assert "has no `name`" in problem("---\ndescription: b\n---\n")


def test_a_missing_description_is_refused() -> None:
    assert "has no `description`" in problem("---\nname: a\n---\n")


def test_a_name_over_64_characters_is_refused() -> None:
    assert "name is 65 characters; the limit is 64" in problem(f"---\nname: {'a' * 65}\ndescription: b\n---\n")


def test_a_description_over_1024_characters_is_refused() -> None:
    message = problem(f"---\nname: a\ndescription: {'d' * 1025}\n---\n")
    assert "description is 1025 characters; the limit is 1024" in message


def test_a_name_with_capitals_or_spaces_is_refused() -> None:
    assert "lowercase letters, digits and single hyphens" in problem("---\nname: Kql Tips\ndescription: b\n---\n")


def test_a_name_that_differs_from_its_folder_is_refused() -> None:
    assert "differs from its folder 'other'" in problem(GOOD, folder="other")


def test_a_multi_line_description_is_refused_with_its_line_number() -> None:
    assert "line 3: 'description' must be on one line" in problem("---\nname: a\ndescription: >\n  long\n---\n")


def test_a_line_that_is_not_a_field_is_refused() -> None:
    assert "line 3 is not a one-line `key: value` field" in problem("---\nname: a\n- item\n---\n")


def test_a_repeated_field_is_refused() -> None:
    assert "line 3 repeats the field 'name'" in problem("---\nname: a\nname: b\ndescription: c\n---\n")


@pytest.mark.parametrize(
    ("path", "skill"),
    [
        ("skills/kql/SKILL.md", "skills/kql/SKILL.md"),
        ("skills/kql/queries/onset.md", "skills/kql/SKILL.md"),
        ("skills/legacy.md", "skills/legacy.md"),
        ("skills/data.csv", None),
        ("memory/kql.md", None),
        ("notes/plan.md", None),
    ],
)
def test_a_read_path_maps_to_the_skill_it_belongs_to(path: str, skill: str | None) -> None:
    assert skill_file_of(path) == skill
