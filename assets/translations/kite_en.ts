<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>InboxScreen</name>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="181"/>
        <source>Drafts (%n)</source>
        <translation>
            <numerusform>Drafts (%n)</numerusform>
            <numerusform>Drafts (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="182"/>
        <source>%n unfinished messages: open, finish or delete them</source>
        <translation>
            <numerusform>%n unfinished message: open, finish or delete it</numerusform>
            <numerusform>%n unfinished messages: open, finish or delete them</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="274"/>
        <source>%n unread messages</source>
        <translation>
            <numerusform>%n unread message</numerusform>
            <numerusform>%n unread messages</numerusform>
        </translation>
    </message>
</context>
</TS>
