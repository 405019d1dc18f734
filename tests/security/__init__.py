"""The security test module of issue 14 (GB/T 22239-2019 level 3, OWASP ASVS level 2, PIPL): one file per
requirement; README "Security baseline" says which is met and how."""
