"""The official forms the decrees expect, as PDFs in Vietnamese: one module per form (handover minutes, warehouse
receipt, storage card, destruction minutes, return of goods to their owner), each a `render(data, signatures)`
over plain data; the shared frame, table and signature boxes in `layout.py`."""
