"""Monthly management review report (경영검토 보고서, ISO 9001:2015 §9.3).

collect → document → PDF / HTML / XLSX.
"""
