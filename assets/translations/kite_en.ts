<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>Counts</name>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="19"/>
        <source>%n photos</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="22"/>
        <source>%n videos</source>
        <translation>
            <numerusform>%n video</numerusform>
            <numerusform>%n videos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="25"/>
        <source>%n eCards</source>
        <translation>
            <numerusform>%n eCard</numerusform>
            <numerusform>%n eCards</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="28"/>
        <source>%n attachments</source>
        <translation>
            <numerusform>%n attachment</numerusform>
            <numerusform>%n attachments</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="31"/>
        <source>Uses {stamps} of your %n stamps</source>
        <translation>
            <numerusform>Uses {stamps} of your %n stamp</numerusform>
            <numerusform>Uses {stamps} of your %n stamps</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="34"/>
        <source>%n replies waiting to send</source>
        <translation>
            <numerusform>%n reply waiting to send</numerusform>
            <numerusform>%n replies waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="37"/>
        <source>%n stamp purchases waiting to send</source>
        <translation>
            <numerusform>%n stamp purchase waiting to send</numerusform>
            <numerusform>%n stamp purchases waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/counts.py" line="40"/>
        <source>The server is busy. Please wait %n seconds, then try again.</source>
        <translation>
            <numerusform>The server is busy. Please wait %n second, then try again.</numerusform>
            <numerusform>The server is busy. Please wait %n seconds, then try again.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HelpScreen</name>
    <message numerus="yes">
        <location filename="../../ui/screens/help.py" line="133"/>
        <source>Each message you send costs %n stamps.</source>
        <translation>
            <numerusform>Each message you send costs %n stamp.</numerusform>
            <numerusform>Each message you send costs %n stamps.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>IdleWarning</name>
    <message numerus="yes">
        <location filename="../../ui/widgets/idle_warning.py" line="55"/>
        <source>Messaging closes in %n seconds. Anything you are writing is kept as a draft.</source>
        <translation>
            <numerusform>Messaging closes in %n second. Anything you are writing is kept as a draft.</numerusform>
            <numerusform>Messaging closes in %n seconds. Anything you are writing is kept as a draft.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/widgets/idle_warning.py" line="62"/>
        <source>Your session ends in %n seconds. Anything you are writing is kept as a draft.</source>
        <translation>
            <numerusform>Your session ends in %n second. Anything you are writing is kept as a draft.</numerusform>
            <numerusform>Your session ends in %n seconds. Anything you are writing is kept as a draft.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/widgets/idle_warning.py" line="69"/>
        <source>Your session ends in %n seconds unless you tap More time.</source>
        <translation>
            <numerusform>Your session ends in %n second unless you tap More time.</numerusform>
            <numerusform>Your session ends in %n seconds unless you tap More time.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>InboxScreen</name>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="253"/>
        <source>Drafts (%n)</source>
        <translation>
            <numerusform>Drafts (%n)</numerusform>
            <numerusform>Drafts (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="254"/>
        <source>%n unfinished messages: open, finish or delete them</source>
        <translation>
            <numerusform>%n unfinished message: open, finish or delete it</numerusform>
            <numerusform>%n unfinished messages: open, finish or delete them</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/inbox.py" line="364"/>
        <source>%n unread messages</source>
        <translation>
            <numerusform>%n unread message</numerusform>
            <numerusform>%n unread messages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>NoticeWords</name>
    <message numerus="yes">
        <location filename="../../ui/account_notice.py" line="42"/>
        <source>Your messages are kept for %n days.</source>
        <translation>
            <numerusform>Your messages are kept for %n day.</numerusform>
            <numerusform>Your messages are kept for %n days.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StampsScreen</name>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="232"/>
        <source>Purchase confirmed: %n stamps added.</source>
        <translation>
            <numerusform>Purchase confirmed: %n stamp added.</numerusform>
            <numerusform>Purchase confirmed: %n stamps added.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="237"/>
        <source>The purchase of %n stamps was refused. Nothing was taken from your debit account.</source>
        <translation>
            <numerusform>The purchase of %n stamp was refused. Nothing was taken from your debit account.</numerusform>
            <numerusform>The purchase of %n stamps was refused. Nothing was taken from your debit account.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="260"/>
        <source>%n bought, waiting for confirmation</source>
        <translation>
            <numerusform>%n bought, waiting for confirmation</numerusform>
            <numerusform>%n bought, waiting for confirmation</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="262"/>
        <source>%n set aside for replies waiting to send</source>
        <translation>
            <numerusform>%n set aside for replies waiting to send</numerusform>
            <numerusform>%n set aside for replies waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="292"/>
        <source>{name}: %n stamps, {price}</source>
        <translation>
            <numerusform>{name}: %n stamp, {price}</numerusform>
            <numerusform>{name}: %n stamps, {price}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="334"/>
        <source>{price} comes out of your debit account. The %n stamps can be used once the facility confirms the purchase.</source>
        <translation>
            <numerusform>{price} comes out of your debit account. The stamp (%n) can be used once the facility confirms the purchase.</numerusform>
            <numerusform>{price} comes out of your debit account. The %n stamps can be used once the facility confirms the purchase.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="361"/>
        <source>Purchase sent: %n stamps are pending until the facility confirms them.</source>
        <translation>
            <numerusform>Purchase sent: %n stamp is pending until the facility confirms it.</numerusform>
            <numerusform>Purchase sent: %n stamps are pending until the facility confirms them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="397"/>
        <source>%n stamps for {price}</source>
        <translation>
            <numerusform>%n stamp for {price}</numerusform>
            <numerusform>%n stamps for {price}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="401"/>
        <source>+%n stamps</source>
        <translation>
            <numerusform>+%n stamp</numerusform>
            <numerusform>+%n stamps</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screens/stamps.py" line="403"/>
        <source>-%n stamps</source>
        <translation>
            <numerusform>-%n stamp</numerusform>
            <numerusform>-%n stamps</numerusform>
        </translation>
    </message>
</context>
</TS>
