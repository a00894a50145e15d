"""tutor: a terminal assessment assistant and question bank for UK customer-service qualifications.

Importing this package does no work: the app, the importer and the storage layer are
loaded only when a command needs them.
"""

__version__ = "0.1.0"
