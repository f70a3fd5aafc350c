"""Printed documents and their delivery: number formats, SVG charts, the PDF renderer, email.

Nothing here imports Flask or opens a database transaction: the services hand in
a computed snapshot and get back HTML, a PDF or an email message.
"""
