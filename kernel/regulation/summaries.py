"""A one-sentence English summary of each article of the Measures, for readers of the English pages.
The Chinese text is the authority; these only say what each article is about."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CHAPTER_TITLES = {
    1: pgettext_lazy("chapter of the Measures", "General provisions"),
    2: pgettext_lazy("chapter of the Measures", "Management"),
    3: pgettext_lazy("chapter of the Measures", "Conditions"),
    4: pgettext_lazy("chapter of the Measures", "Application"),
    5: pgettext_lazy("chapter of the Measures", "Construction"),
    6: pgettext_lazy("chapter of the Measures", "Operation"),
    7: pgettext_lazy("chapter of the Measures", "Evaluation"),
    8: pgettext_lazy("chapter of the Measures", "Supplementary provisions"),
}

SUMMARIES = {
    1: _("Purpose: to raise the quality competitiveness of industry and to manage the construction and operation of "
         "State Quality & Standards Laboratories, under the Outline for Building a Quality Powerhouse."),
    2: _("A laboratory is a public-benefit platform for basic and applied research on quality and standards, "
         "high-level standard-setting and the training of quality and standards talent."),
    3: _("Laboratories work on product design, production control, testing and management systems: research, "
         "standards, test methods, metrology standards, instruments and the transfer of results."),
    4: _("Fields: the industrial foundation fields (core components, core electronic parts, key basic software, key "
         "basic materials, advanced basic processes, industrial technology foundations) and the key fields "
         "(high-end manufacturing, new materials, information technology, biomedicine)."),
    5: _("A laboratory is built on a research institute, university or enterprise with relatively independent "
         "people, money and assets; consortia across industries and regions are encouraged."),
    6: _("Construction follows planning and a sound layout, supports the best and adjusts the list dynamically."),
    7: _("SAMR and MIIT plan, guide, review and manage the laboratories together."),
    8: _("SAMR and MIIT set up a joint coordination office for the day-to-day work."),
    9: _("The expert committee: one chair, 3 to 5 vice-chairs and members, an odd number of at least 15, serving "
         "a term of two years; it drafts directions, reviews technical requirements and carries out reviews."),
    10: _("Central-level institutions are recommended by their competent department; local ones jointly by the "
          "provincial market regulator and the provincial industry and IT department, who check the dossier's "
          "scientific soundness, system, completeness, authenticity, accuracy and legality."),
    11: _("The host institution or consortium applies, plans the construction, provides people, space, equipment "
          "and funds, and nominates the laboratory director and the academic committee chair."),
    12: _("Conditions for applying: facilities (in principle at least 3,000 m² and 50 million CNY of instruments), "
          "an academic team, research capability (at least 15 national projects or 20 million CNY in 5 years) and "
          "at least three of five kinds of outcome, with the host's support; provincial or ministerial "
          "laboratories running for two years or more are preferred."),
    13: _("Applying is voluntary: the applicant applies to its recommender, which reviews and forwards the dossier; "
          "SAMR and MIIT carry out formal review, expert review and site inspection, publish a publicity notice "
          "and then decide the approved construction list."),
    14: _("A laboratory is run under its director, a senior leader of the host institution."),
    15: _("The chair of the academic committee is generally not from the host institution."),
    16: _("A laboratory organises itself in research units and keeps sound internal rules."),
    17: _("During construction a laboratory completes its tasks: principle innovation, quality technology, "
          "standards, tools, talent and services."),
    18: _("Construction takes at most 2 years, with an annual report each year; an extension of at most one year is "
          "requested at least 3 months before the period ends; a laboratory still unfinished after the extension "
          "is terminated."),
    19: _("Acceptance by the expert committee: passed, rectify or failed. A passed laboratory is confirmed by SAMR "
          "and MIIT, published and enters operation; one to rectify does so within 6 months; a second failure "
          "terminates it."),
    20: _("A laboratory in operation keeps producing major results for its field."),
    21: _("Laboratories open up: open projects, academic exchanges and postdoctoral stations."),
    22: _("Laboratories provide public-benefit quality services to society."),
    23: _("Monographs, papers, software and databases completed in the laboratory carry its name."),
    24: _("Renaming, a change of research direction, restructuring or reorganisation is reported in writing and may "
          "lead to a new review."),
    25: _("False materials or data, serious breaches of academic integrity or other violations remove a laboratory "
          "from the list."),
    26: _("A laboratory in operation files an annual operation report each year and is comprehensively evaluated "
          "every 3 years."),
    27: _("Evaluation results are excellent, qualified or unqualified; an unqualified laboratory is named and has 6 "
          "months to rectify, and is removed from the list if unqualified again."),
    28: _("Excellent laboratories receive support and priority for national innovation bases."),
    29: _("SAMR supports laboratories in quality and standards awards, international and national standards work and "
          "projects."),
    30: _("MIIT supports laboratories in industrial foundation programmes, innovation centres and industry standards."),
    31: _("Names: “××国家质量标准实验室”, in English “State Quality & Standards Laboratory of ××”."),
    32: _("SAMR and MIIT interpret these Measures."),
    33: _("The Measures apply from the day of their publication."),
}
