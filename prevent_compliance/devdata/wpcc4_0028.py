"""The real, published decision record WPCC4-0028 (Warwickshire OPCC), word for word.

Kept in the import format of ``manage.py import_decisions`` (see README): the demo loads it,
and the tests check that the app holds, prints and publishes it exactly.
Source: https://warwickshire-pcc.gov.uk/your-pcc/decision-making/decisions-log-2024-after-may-2/
wpcc4-0028-opcc-prevent-duty-standards-operating-procedure
"""

WPCC4_0028 = {
    "reference": "WPCC4-0028",
    "title": "OPCC Prevent Duty Standards Operating Procedure",
    "lead_officer": "Richard Long",
    "chief_officer_approval": "not required",
    "decision_date": "2024-10-11",
    "confidentiality": "non-confidential",
    "foi_exemptions": [],
    "withheld_parts": "",
    "summary": "The Prevent duty standard operating procedure outlines the operating model "
    "undertaken by the Office of the Police and Crime Commissioner for Warwickshire "
    "(OPCC) to ensure that it is complying with the statutory duty under Section 26 "
    "Counter-Terrorism & Security Act 2015 (CTSA 2015), which sets out that specified "
    "authorities.",
    "interests_declared": True,
    "signed_by": "P. Seccombe",
    "signed_on": "2024-10-18",
    "sections": [
        {
            "heading": "Background information",
            "body": "This document outlines the standard operating model undertaken by the "
            "Office of the Police and Crime Commissioner for Warwickshire (OPCC) to "
            "ensure that it is complying with the statutory duty under Section 26 "
            "Counter-Terrorism & Security Act 2015 (CTSA 2015), which sets out that "
            "specified authorities, “must, in the exercise of its functions, have "
            "due regard to the need to prevent people from being drawn into "
            "terrorism” (the ‘Prevent duty’).\xa0\n"
            "\n"
            "The guidance set out in this document is based on the "
            "Counter-Terrorism Strategy (CONTEST) 2023, the statutory Prevent Duty "
            "Guidance 2023, the Channel Guidance 2023, and benchmarks set out in "
            "the Home Office Prevent Duty Toolkit.\xa0\n"
            "\n"
            "CONTEST’s overarching aim remains to reduce the risk to the United "
            "Kingdom and its citizens and interests overseas from terrorism, so "
            "that our people can go about their lives freely and with confidence.\n"
            "\n"
            "The model of delivery will be reviewed annually or as soon as possible "
            "after the publication of any revised or new national guidance that "
            "relates to the Prevent duty.\xa0",
        },
        {
            "heading": "List of additional information attached as appendices",
            "body": "Prevent: OPCC Standard Operating Procedure.",
        },
        {
            "heading": "Expected benefits",
            "body": "The procedure sets out the activity that the OPCC will undertake in "
            "order to ensure our delivery of Prevent is compliant with the "
            "activities, practices and processes outlined in the eight sections of "
            "the Home Office Prevent Toolkit. This includes both the partnership "
            "element of our obligations under the duty, as well the specific "
            "guidance relating to the police sector as detailed in the Prevent duty "
            "guidance. These activities will ensure the OPCC is effectively "
            "contributing to the delivery of a proportionate and effective response "
            "to the local Prevent risks in Warwickshire.",
        },
        {
            "heading": "Impact of not approving the application",
            "body": "The current policy is outdated and does not reflect current good "
            "practise in managing OPCC compliance.",
        },
        {
            "heading": "Costs (including any identified savings)",
            "body": "There are no direct costs as a result of this policy, but by managing "
            "risk effectively this could result in a reduction in costs, or cost "
            "avoidance by the OPCC.",
        },
        {
            "heading": "Equality considerations",
            "body": "There are none directly arising from this policy, and the policy "
            "applies to all OPCC risks.",
        },
        {
            "heading": "Legal comments",
            "body": "The OPCC’s standard operating procedure will help to ensure that the "
            "risks associated with the legal and statutory functions of the OPCC "
            "can be managed effectively and that good governance arrangements are "
            "in place.",
        },
        {
            "heading": "Social or Environmental considerations",
            "body": "All relevant policies apply",
        },
        {
            "heading": "Publication",
            "body": "Information in this form is subject to the Freedom of Information Act "
            "2000 (FOI Act) and other legislation.\xa0 Unless the information "
            "provided is covered by an exemption and stated to be either "
            "confidential or partly confidential, the information contained in the "
            "form will be published on the OPCC website.",
        },
    ],
    "treasurer_comments": "Whilst there are no direct financial implications as a result of this "
    "standard, not having the correct governance arrangements in place "
    "could result in significant financial and non-financial implications "
    "for the PCC.\xa0 This policy and effective standard procedure "
    "management helps to reduce the likelihood of this occurring.",
    "chief_executive_comments": "A relevant and comprehensive procedure will provide the OPCC "
    "with a framework to ensure that good governance arrangements. It "
    "will also help to ensure that appropriate actions and "
    "mitigations can be put in place to reduce identified risks where "
    "possible.",
    "toolkit_sections": [1, 2, 3, 4, 5, 6, 7, 8],
}
