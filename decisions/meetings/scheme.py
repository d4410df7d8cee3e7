"""The classes of information the Elected Local Policing Bodies (Specified Information) Order
2011 (SI 2011/3050, as amended in 2012, 2013 and 2021) requires, grouped as its Schedule
groups them (paragraphs 1 to 8), in the project's own words.

Each class is either held in this service (``url_name``: the page that holds it) or held
elsewhere by the office, which sets the address with a PublicationLink. A page of another app
that is not installed yet (its URL name does not resolve) is treated as held elsewhere, so the
index never breaks and never links to nothing.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class InfoClass:
    key: str
    label: str
    # The page of this service that holds the class, and its open-data files (URL names).
    url_name: str = ""
    data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class InfoGroup:
    paragraph: str
    heading: str
    classes: tuple[InfoClass, ...]


def _csv_json(prefix: str) -> tuple[tuple[str, str], ...]:
    return (("CSV", f"{prefix}_csv"), ("JSON", f"{prefix}_json"))


GROUPS: tuple[InfoGroup, ...] = (
    InfoGroup(
        "1",
        "The Commissioner and the Deputy (the relevant office holders)",
        (
            InfoClass("office_holder_names", "Names of the Commissioner and the Deputy"),
            InfoClass("office_holder_address", "Address for correspondence"),
            InfoClass("office_holder_salary", "Salary of each office holder"),
            InfoClass("office_holder_allowances", "Allowances paid for expenses"),
            InfoClass(
                "register_of_interests",
                "Register of interests (paid employment, offices and other pecuniary interests)",
                "interests:public_register",
                _csv_json("interests:public_register"),
            ),
            InfoClass(
                "panel_complaints",
                "Number of complaints and conduct matters raised by the Police and Crime Panel",
            ),
        ),
    ),
    InfoGroup(
        "2",
        "Staff of the office (and gifts and hospitality offered to staff and office holders)",
        (
            InfoClass("staff_numbers", "Number of staff"),
            InfoClass(
                "staff_diversity",
                "Proportion of staff who are women, from an ethnic minority, or disabled",
            ),
            InfoClass("organisation_chart", "Organisation chart of the staff"),
            InfoClass("senior_salaries", "Job titles and salaries of senior staff"),
            InfoClass(
                "gifts_hospitality",
                "Register of gifts and hospitality offered",
                "interests:public_gifts",
                _csv_json("interests:public_gifts"),
            ),
        ),
    ),
    InfoGroup(
        "2A",
        "Use of the staff of the force or of a local authority (added in 2012)",
        (InfoClass("staff_arrangements", "Arrangements for using force or council staff"),),
    ),
    InfoGroup(
        "3",
        "Income and expenditure",
        (
            InfoClass("budget", "Total budget"),
            InfoClass("precept", "The precept"),
            InfoClass("revenue_sources", "Anticipated sources of revenue other than the precept"),
            InfoClass("proposed_expenditure", "Proposed expenditure"),
            InfoClass("investment_strategy", "Annual investment strategy"),
            InfoClass(
                "crime_grants",
                "Crime and disorder reduction grants: recipient, purpose, conditions and reasons",
            ),
            InfoClass(
                "spending_over_500",
                "Each item of spending over £500 by the office or the Chief Constable",
            ),
            InfoClass(
                "office_holder_travel",
                "Travel, accommodation and subsistence of office holders (added in 2013)",
            ),
        ),
    ),
    InfoGroup(
        "4",
        "Property, rights and liabilities",
        (
            InfoClass("premises", "Premises and land owned or occupied"),
            InfoClass("contracts", "Contracts worth more than £10,000 (amended in 2012)"),
            InfoClass("tenders", "Invitations to tender for contracts worth more than £10,000"),
        ),
    ),
    InfoGroup(
        "5",
        "Decisions",
        (
            InfoClass(
                "meeting_times",
                "Date, time and place of each public meeting",
                "meetings:public_list",
                _csv_json("meetings:public_meetings"),
            ),
            InfoClass(
                "meeting_agendas",
                "Agendas and reports of public meetings",
                "meetings:public_list",
                _csv_json("meetings:public_agenda_items"),
            ),
            InfoClass(
                "meeting_minutes",
                "Minutes of public meetings, and of private meetings where matters of "
                "significant public interest are discussed",
                "meetings:public_list",
            ),
            InfoClass(
                "decision_record",
                "A record of each decision of significant public interest",
                "decisions:public_list",
                (
                    ("CSV", "decisions:public_csv"),
                    ("JSON", "decisions:public_json"),
                    ("Atom feed", "decisions:public_atom"),
                ),
            ),
            InfoClass(
                "forward_plan",
                "Forward plan of decisions the office expects to take (good practice; not "
                "required by the Order)",
                "meetings:public_forward_plan",
                _csv_json("meetings:public_forward_plan"),
            ),
        ),
    ),
    InfoGroup(
        "6",
        "Policies",
        (
            InfoClass("records_policy", "Records management and retention"),
            InfoClass("data_protection_policy", "Data protection"),
            InfoClass("freedom_of_information_policy", "Freedom of information"),
            InfoClass("decision_making_policy", "Decision making"),
            InfoClass("other_policies", "Other policies of the office"),
        ),
    ),
    InfoGroup(
        "7",
        "Crime and disorder reduction",
        (
            InfoClass(
                "csp_reports",
                "Reports required from the responsible authorities (community safety partnerships)",
            ),
        ),
    ),
    InfoGroup(
        "7A to 7C",
        "Performance, inspections and complaints (added in 2021)",
        (
            InfoClass(
                "national_priorities", "How the force contributes to the national priorities"
            ),
            InfoClass(
                "inspection_reports",
                "The latest HM Inspectorate reports on the force and the Commissioner's comments",
            ),
            InfoClass("complaints_handling", "How complaints about the force are handled"),
        ),
    ),
    InfoGroup(
        "8",
        "Independent custody visiting",
        (InfoClass("custody_visiting", "How the independent custody visitor scheme operates"),),
    ),
    InfoGroup(
        "",
        "Also published by this service",
        (
            InfoClass(
                "annual_reviews",
                "Annual reviews of the office's Prevent duty arrangements",
                "reports:public_list",
            ),
        ),
    ),
)

CLASSES: dict[str, InfoClass] = {c.key: c for g in GROUPS for c in g.classes}
CLASS_CHOICES = [(c.key, c.label) for c in CLASSES.values()]


def page_url(url_name: str) -> str:
    """The address of a page of this service, or "" when that page is not installed."""
    if not url_name:
        return ""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return ""


def held_here(info: InfoClass) -> bool:
    """Whether this service holds the class (and the page that holds it is installed)."""
    return bool(page_url(info.url_name))
